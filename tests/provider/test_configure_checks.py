"""Settings that would fail only at the first request are named at configure instead."""

from __future__ import annotations

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.common.errors import GitLabTokenError
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider


def configure(**config: str) -> None:
    ProjectAccessTokenProvider().configure(ConfigureRequest(Config(config, "infra")))


def test_a_missing_ca_bundle_is_named_with_its_key_and_path(tmp_path):
    missing = tmp_path / "corp-ca.pem"
    with pytest.raises(GitLabTokenError, match=rf"gitlab:cacertFile '{missing}' does not exist; point it at"):
        configure(**{"gitlab:cacertFile": str(missing)})


def test_a_directory_or_a_file_that_is_no_pem_bundle_is_refused(tmp_path):
    with pytest.raises(GitLabTokenError, match="is a directory, not a file"):
        configure(**{"gitlab:cacertFile": str(tmp_path)})
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(GitLabTokenError, match="is not a PEM bundle of CA certificates"):
        configure(**{"gitlab:cacertFile": str(junk)})


def test_an_unused_ca_bundle_is_not_checked(tmp_path):
    """With gitlab:insecure the bundle is never read, so a stale path must not block the run."""
    configure(**{"gitlab:cacertFile": str(tmp_path / "gone.pem"), "gitlab:insecure": "true"})
    assert gitlab_client.current_settings().ssl_verify is False


@pytest.mark.parametrize("value", ["-1", "many", "1.5", "100000"])
def test_retries_must_be_a_small_whole_number(value):
    with pytest.raises(GitLabTokenError, match=r"gitlab:retries is .*; set it to a whole number from 0 to 999"):
        configure(**{"gitlab:retries": value})

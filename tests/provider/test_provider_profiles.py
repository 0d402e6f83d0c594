"""The provider against both GitLab profiles of the sandbox, where GitLab's answers differ.

19.x rewords the "token not found" 404 and the create/rotate level errors, and
refuses a create without ``expires_at``. The provider must read a vanished
token as gone, delete a vanished one quietly, always send an expiry, and pass
GitLab's level error on, in either version.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_gitlab_tokens import GitLabTokenError
from pulumi_gitlab_tokens.provider import ProjectAccessTokenProvider
from support.sandbox import running_sandbox


@pytest.fixture(params=["18.1", "19.2"])
def sandbox(request: pytest.FixtureRequest):
    with running_sandbox(extra_args=["--gitlab-version", request.param]) as sb:
        group = sb.create_group("acme")
        sb.create_project("app", group["id"])
        yield sb


def _provider(sb, token: str) -> ProjectAccessTokenProvider:
    provider = ProjectAccessTokenProvider()
    provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sb.base_url, "gitlab:token": token}, "infra")))
    return provider


def test_a_vanished_token_reads_as_gone_and_deletes_quietly_in_both_versions(sandbox) -> None:
    provider = _provider(sandbox, sandbox.admin_token)
    result = provider.read("acme/app:999", {"project": "acme/app", "token_id": 999.0})
    assert (result.id, result.outs) == (None, {})
    provider.delete("acme/app:999", {"project": "acme/app", "token_id": 999.0})
    counts = sandbox.counters()
    assert counts["GET /api/v4/projects/:id/access_tokens/:token_id"] == 1
    assert counts["DELETE /api/v4/projects/:id/access_tokens/:token_id"] == 1


def test_create_sends_an_expiry_and_passes_the_level_error_on_in_both_versions(sandbox) -> None:
    admin = _provider(sandbox, sandbox.admin_token)
    news = {"project": "acme/app", "name": "ci", "scopes": ["read_api"],
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    checked = admin.check({}, news)
    assert checked.failures == []
    created = admin.create(checked.inputs)
    today = dt.datetime.now(dt.timezone.utc).date()
    assert created.outs["expires_at"] == (today + dt.timedelta(days=30)).isoformat()

    # A Maintainer asking for an Owner-level token: GitLab's message in this version's words, on one line.
    user = sandbox.create_user("maint")
    sandbox.add_member("project", "acme%2Fapp", user["id"], 40)
    maintainer = _provider(sandbox, sandbox.create_user_token(user["id"]))
    owner_level = maintainer.check({}, {**news, "name": "too-high", "access_level": "owner"})
    with pytest.raises(GitLabTokenError) as caught:
        maintainer.create(owner_level.inputs)
    expected = ("contains permissions not held by the creating user" if sandbox.gitlab_version == "19.2"
                else "Could not provision owner access to project access token")
    assert expected in str(caught.value) and "\n" not in str(caught.value)

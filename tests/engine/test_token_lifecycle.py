"""Project and group access tokens through the real pulumi CLI, against the sandbox: refresh, logs, credential.

The program holds a ProjectAccessToken and a GroupAccessToken, so every step
exercises both kinds (their whole lifecycle, with every other kind's, is in
``test_lifecycle_of_every_kind.py``). Each test ends by searching the state files
and everything the CLI printed for every token value seen and the admin credential.
"""

from __future__ import annotations

import base64
import json

from support.pulumi_cli import engine_log_verbosities

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
GROUP_TYPE = "pulumi-python:dynamic/gitlab:GroupAccessToken"


def _decrypted_export(stack) -> dict:
    return json.loads(stack.run("stack", "export", "--show-secrets", reveals_secrets=True).stdout)


def _decrypted_tokens(stack) -> list[dict]:
    """The two tokens' resources in the state, secrets shown."""
    resources = _decrypted_export(stack)["deployment"]["resources"]
    return [r for r in resources if r["type"] in (PROJECT_TYPE, GROUP_TYPE)]


def test_serialized_provider_refresh_and_verbose_engine_logs_hold_no_secret(gitlab_stack):
    """One stack for three checks: the credential is not in the pickled provider; refresh makes one
    GET per token and keeps the values; the engine's own logs at -v=8 and -v=9 hold no secret."""
    gs = gitlab_stack()
    # -v=8: the most verbose level at which the engine does not dump property values.
    gs.stack.up("--logtostderr", "-v=8")

    # --- the credential is not in the serialized provider -----------------------------------
    tokens = _decrypted_tokens(gs.stack)
    assert len(tokens) == 2
    for resource in tokens:
        # Decrypted, so not even a passphrase holder can find the credential in the pickled provider.
        envelope = resource["inputs"]["__provider"]  # a secret, shown decrypted: {sig, plaintext}
        pickled = base64.b64decode(json.loads(envelope["plaintext"]))
        assert gs.sandbox.admin_token.encode() not in pickled
        assert gs.sandbox.base_url.encode() not in pickled
        # The instance names its backend (docs/ownership.md): the normalised URL, no credential in it.
        backend = gs.stack.env["PULUMI_BACKEND_URL"]
        assert backend.encode() in pickled
        assert len(pickled) < 220 + len(backend), "the provider should be pickled by reference, not by value"
    # Like every Pulumi provider's config, gitlab:token is kept (encrypted) as the default
    # provider's input; the encrypted export shows only the secret envelope.
    [default_provider] = [r for r in gs.stack.resources() if r["type"] == "pulumi:providers:pulumi-python"]
    assert "ciphertext" in default_provider["inputs"]["gitlab:token"]

    # --- refresh makes one GET per token and keeps the values GitLab cannot return again ----
    before = gs.reveal_outputs()
    gs.sandbox.reset_counters()
    gs.stack.refresh("--logtostderr", "-v=8")
    assert gs.sandbox.calls() == {
        "GET /api/v4/projects/:id/access_tokens/:token_id": 1,
        "GET /api/v4/groups/:id/access_tokens/:token_id": 1,
    }
    assert gs.reveal_outputs() == before, "refresh must keep the token values GitLab cannot return again"
    # Refresh does not rerun the program, so the stack outputs above are the last up's: the state must keep them too.
    # (Compared as a bool, so a failure prints no decrypted value.)
    kept = {r["urn"]: r["outputs"].get("token") for r in _decrypted_tokens(gs.stack)}
    unchanged = kept == {r["urn"]: r["outputs"]["token"] for r in tokens}
    assert unchanged, "refresh lost or changed a token value in the state"
    gs.stack.preview("--expect-no-changes")
    levels = engine_log_verbosities(gs.stack.everything_printed())
    assert levels and max(levels) <= 8, f"-v=8 logs were not captured as asked (levels seen: {sorted(levels)})"
    gs.assert_no_secret_leaks()

    # -v=9 is the most verbose level; some CLI versions dump marshaled properties there, secrets
    # included, and only those lines are exempt.
    gs.stack.config_set("scopes", "read_api,read_repository")
    gs.stack.up("--logtostderr", "-v=9")
    assert 9 in engine_log_verbosities(gs.stack.everything_printed()), "-v=9 logs were not captured"
    gs.assert_no_secret_leaks(allow_engine_property_dumps=True)


def test_credential_from_the_environment_is_nowhere_in_the_state(gitlab_stack):
    gs = gitlab_stack()
    gs.stack.run("config", "rm", "gitlab:token")
    gs.stack.up(env={"GITLAB_TOKEN": gs.sandbox.admin_token})
    assert len(gs.active_tokens()) == 2
    text = json.dumps(_decrypted_export(gs.stack))
    assert gs.sandbox.admin_token not in text

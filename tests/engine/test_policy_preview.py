"""The policy pack through `pulumi preview --policy-pack policies`, on programs using our resources."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

from support.pulumi_cli import POLICY_PACK, policy_pack_args


def _write_config(tmp_path, config: dict):
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return path


def test_compliant_program_passes(gitlab_stack):
    gs = gitlab_stack(scopes="read_api", expirationDays="30", rotateBeforeDays="7")
    preview = gs.stack.preview(*policy_pack_args())
    assert "gitlab-tokens" in preview.output, preview  # the pack really ran
    assert "mandatory" not in preview.output, preview


def test_each_violated_policy_fails_the_preview_by_name_and_the_teams_config_decides(gitlab_stack, tmp_path):
    """Two policies judged in the same previews: a forbidden scope and a lifetime over the limit each fail
    the preview, named; the team's config allowing both passes it; a policy made advisory only warns."""
    gs = gitlab_stack(scopes="api,read_repository", expirationDays="120", rotateBeforeDays="7")
    preview = gs.stack.preview(*policy_pack_args(), check=False)
    assert preview.returncode != 0, preview
    assert "gitlab-token-scopes" in preview.output, preview
    assert "Forbidden scopes: api" in preview.output, preview
    assert "gitlab-token-lifetime" in preview.output and "(maxDays)" in preview.output, preview
    assert gs.tokens() == [], "a failed preview must create nothing"

    # The same program passes once the team's config allows `api` and 120 days.
    allow_api = {"gitlab-token-scopes": {"forbiddenScopes": ["sudo", "admin_mode"]}}
    config = _write_config(tmp_path, allow_api | {"gitlab-token-lifetime": {"maxDays": 180}})
    assert gs.stack.preview(*policy_pack_args(config=config)).returncode == 0
    advisory = _write_config(tmp_path, allow_api | {"gitlab-token-lifetime": "advisory"})
    warned = gs.stack.preview(*policy_pack_args(config=advisory))
    assert "gitlab-token-lifetime" in warned.output and "advisory" in warned.output, warned


def test_remediation_clamps_what_gets_created(gitlab_stack):
    gs = gitlab_stack(expirationDays="200", rotateBeforeDays="7")
    gs.stack.up(*policy_pack_args(config=POLICY_PACK / "config" / "remediate.json"))
    tokens = gs.active_tokens()
    assert len(tokens) == 2
    clamped = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=90)).isoformat()
    assert {t["expires_at"] for t in tokens} == {clamped}, tokens


def test_the_pack_venv_holds_only_what_the_pack_requires():
    """`make setup` builds policies/venv from the pack's requirements.txt: the provider is not in it."""
    python = POLICY_PACK / "venv" / "bin" / "python"
    assert python.exists(), "run `make setup`"
    missing = subprocess.run([str(python), "-c", "import pulumi_gitlab_tokens"], capture_output=True, text=True)
    assert missing.returncode != 0 and "No module named 'pulumi_gitlab_tokens'" in missing.stderr
    present = subprocess.run([str(python), "-c", "import pulumi_policy, gitlab_token_policies"],
                             cwd=POLICY_PACK, capture_output=True, text=True)
    assert present.returncode == 0, present.stderr

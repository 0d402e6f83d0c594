"""The preview checks through the real CLI: `pulumi preview` fails as `pulumi up` would, before anything exists.

The same stack then shows the new key of the lifetime setting and, inside a
GitLab CI job, the base URL defaulting to the instance running it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

WRONG_CREDENTIAL = "glpat-wrongwrongwrong0000"


def _api_calls(sandbox) -> dict[str, int]:
    return {k.replace("/api/v4", ""): v for k, v in sandbox.counters().items() if k != "total" and v}


def _error_line(output: str) -> str:
    """The provider's message in `pulumi up`'s report of a failed create."""
    found = re.search(r"GitLabTokenError: (.+)", output)
    assert found, output
    return found.group(1).strip()


def test_preview_fails_like_up_and_can_be_switched_off(gitlab_stack, monkeypatch):
    for name in ("GITLAB_TOKENS_PREVIEW_CHECKS", "GITLAB_BASE_URL", "GITLAB_CI", "CI_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)  # the defaults: checks on, not in a CI job
    gs = gitlab_stack(withGroup="false")
    stack, sandbox = gs.stack, gs.sandbox
    project_path = gs.project["path_with_namespace"]

    # --- a wrong credential: the preview says what `up` says, and nothing is created -----------
    stack.config_set("gitlab:token", WRONG_CREDENTIAL, secret=True)
    failed_up = stack.run("up", "--yes", "--skip-preview", check=False,
                          env={"GITLAB_TOKENS_PREVIEW_CHECKS": "false"})
    assert failed_up.returncode != 0
    up_says = _error_line(failed_up.output)
    assert up_says.startswith(f"GitLab answered 401 Unauthorized on POST /projects/{quote(project_path, safe='')}"
                              f"/access_tokens"), up_says
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    assert f"has a problem: {up_says}" in failed.output, failed
    assert gs.tokens() == []

    # --- a project that does not exist -----------------------------------------------------------
    stack.config_set("gitlab:token", sandbox.admin_token, secret=True)
    ghost = f"{gs.group['full_path']}/ghost"
    stack.config_set("project", ghost)
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    assert (f"resource 'project-token': property project value {{{ghost}}} has a problem: "
            f"GitLab answered 404 Not Found on POST /projects/{quote(ghost, safe='')}/access_tokens: "
            f"404 Project Not Found. The project does not exist or the credential cannot see it") in failed.output

    # --- switched off: a clean preview that asks GitLab nothing ----------------------------------
    stack.config_set("gitlab-tokens:previewChecks", "false")
    sandbox.reset_counters()
    quiet = stack.preview()
    assert "+ 1 to create" in quiet.output, quiet
    assert _api_calls(sandbox) == {}

    # --- on again with what GitLab allows: two GETs, and the lifetime under its old key warned about
    stack.run("config", "rm", "gitlab-tokens:previewChecks")
    stack.config_set("project", project_path)
    stack.config_set("gitlab:maxTokenLifetimeDays", "20")
    too_long = stack.preview(check=False)
    assert too_long.returncode != 0
    assert "beyond the maximum token lifetime of 20 days" in too_long.output, too_long
    assert "gitlab:maxTokenLifetimeDays is deprecated" in too_long.output, too_long
    stack.config_set("gitlab-tokens:maxTokenLifetimeDays", "365")
    sandbox.reset_counters()
    passing = stack.preview()
    assert "gitlab:maxTokenLifetimeDays (20) is ignored" in passing.output, passing
    assert _api_calls(sandbox) == {"GET /user": 1, "GET /projects/:id/members/all/:user_id": 1}

    # --- inside a GitLab CI job, with no gitlab:baseUrl: the instance running the job ------------
    stack.run("config", "rm", "gitlab:baseUrl")
    sandbox.reset_counters()
    stack.preview(env={"GITLAB_CI": "true", "CI_SERVER_URL": sandbox.base_url})
    assert _api_calls(sandbox) == {"GET /user": 1, "GET /projects/:id/members/all/:user_id": 1}
    for secret in (sandbox.admin_token, WRONG_CREDENTIAL):
        assert secret not in stack.everything_printed()

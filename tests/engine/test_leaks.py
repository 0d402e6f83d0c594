"""Every artifact of a whole lifecycle, searched for every token value and every credential.

Create, refresh, a run failing on injected server errors, a run failing on
GitLab refusing a weak credential, the replacement that follows, and destroy -
all at ``--logtostderr -v=9``. The haystacks: every file of the stack's file
backend (the checkpoint, its backups and history), everything the CLI printed
(logs included), and the sandbox's request log. The needles: every token value any run produced, the
admin credential and the weak user's credential.

Some CLI versions dump marshaled property values, secrets included, at
``-v=9`` (see ``GitLabStack.assert_no_secret_leaks``); exactly those lines are
exempt, everything else must be clean. Whether the logs were captured at all is
judged by the verbosity every engine log record carries, not by any one message.
"""

from __future__ import annotations

import pytest
from support.pulumi_cli import engine_log_verbosities

VERBOSE = ("--logtostderr", "-v=9")
REPORTER = 20

pytestmark = pytest.mark.timeout(300)


def assert_failed_readably(result, expected: str) -> None:
    """A failed run ends in our one-line error (raised, or a check failure), without library frames."""
    assert result.returncode != 0, result
    assert "GitLabTokenError" in result.output or "has a problem: GitLab answered" in result.output, result
    assert expected in result.output, result
    for frame in ("site-packages/gitlab/", "site-packages/requests/"):
        assert frame not in result.output, f"a library traceback reached the CLI output:\n{result}"


def test_no_artifact_of_a_whole_lifecycle_holds_a_secret(gitlab_stack):
    # One retry of a failing call, not six: the failing run still retries and recovers, without a minute of waits.
    gs = gitlab_stack(count="2", **{"gitlab:retries": "1"})
    sandbox, stack = gs.sandbox, gs.stack
    try:
        stack.up(*VERBOSE)
        first = gs.reveal_outputs()
        stack.refresh(*VERBOSE)

        # A replacement that fails on server errors: the create's lost-answer recovery gives up readably.
        stack.config_set("scopes", "read_api,read_repository")
        sandbox.set_faults(error_rate=1.0, error_status=500, methods=["POST", "GET"], seed=1)
        # Without the preview checks, whose GET would fail first: this run is about the create.
        failed = stack.up(*VERBOSE, check=False, env={"GITLAB_TOKENS_PREVIEW_CHECKS": "false"})
        sandbox.clear_faults()
        assert_failed_readably(failed, "500")

        # The same replacement with a credential GitLab refuses: a readable 4xx (from the preview
        # checks, which foretell the create's answer), the weak token nowhere.
        user = sandbox.create_user(f"reporter-{gs.project['id']}")
        weak = sandbox.create_user_token(user["id"])
        gs.seen_secrets.add(weak)
        sandbox.add_member("project", gs.project["id"], user["id"], REPORTER)
        stack.config_set("gitlab:token", weak, secret=True)
        refused = stack.up(*VERBOSE, check=False)
        assert_failed_readably(refused, "GitLab answered 4")

        stack.config_set("gitlab:token", sandbox.admin_token, secret=True)
        stack.up(*VERBOSE)
        replaced = gs.reveal_outputs()
        assert replaced["project_token"] != first["project_token"]
        stack.preview("--expect-no-changes", *VERBOSE)
        stack.destroy(*VERBOSE)
        assert gs.active_tokens() == []

        printed = stack.everything_printed()
        assert 9 in engine_log_verbosities(printed), "-v=9 logs were not captured, so nothing was searched"
        assert len(gs.seen_secrets) >= 6, "expected the values of two rounds of three tokens"
        gs.assert_no_secret_leaks(allow_engine_property_dumps=True)
    finally:
        sandbox.clear_faults()

"""CI/CD variables and service accounts through the real CLI: killed or lost creates finished, others' never taken.

A run is SIGKILLed (with its language host and provider) while its creates are
in flight; the slowed sandbox commits them after the client has gone. The next
run is a fresh runner - a new checkout with an empty ``PULUMI_HOME`` on the same
backend - doing what an operator does after a crash: ``cancel``, ``refresh
--clear-pending-creates``, ``up``. Lost answers are the sandbox's
``drop_after_commit`` faults. Another stack is a second stack of the same
program, on a backend of its own, aimed at the same group and project.
"""

from __future__ import annotations

import shutil
import signal
import time
from collections import Counter

import pytest
from conftest import GitLabStack
from support.pulumi_cli import PROGRAMS, PulumiStack
from test_kill import kill_tree, wait_for

from pulumi_gitlab_tokens.rules import ownership

VARIABLE_TYPES = ("pulumi-python:dynamic/gitlab:ProjectVariable", "pulumi-python:dynamic/gitlab:GroupVariable")
ACCOUNT_TYPE = "pulumi-python:dynamic/gitlab:GroupServiceAccount"
PROJECT_VARIABLES = "/api/v4/projects/:id/variables"
GROUP_VARIABLES = "/api/v4/groups/:id/variables"
ACCOUNTS = "/api/v4/groups/:id/service_accounts"
VALUE = "s3cr3t-variable-value-0001"
OTHER_VALUE = "s3cr3t-variable-value-0002"
SLOW_SECONDS = 1.5
#: The program's variables as (parent kind, key, environment scope).
VARIABLES = Counter([("project", "DEPLOY_TOKEN", "*"), ("project", "DEPLOY_TOKEN", "staging"),
                     ("group", "DEPLOY_TOKEN", "*"), ("project", "MINTED_TOKEN", "*")])

pytestmark = pytest.mark.timeout(400)


# --- helpers ------------------------------------------------------------------------------


def variables_in_gitlab(gs: GitLabStack) -> list[dict]:
    """Every variable of the test's project and group, with ``kind`` added."""
    found = []
    for kind, parent in (("project", gs.project["id"]), ("group", gs.group["id"])):
        found += [{**v, "kind": kind} for v in gs.sandbox.api("GET", f"/{kind}s/{parent}/variables?per_page=100")]
    return found


def accounts_in_gitlab(gs: GitLabStack) -> list[dict]:
    return gs.sandbox.api("GET", f"/groups/{gs.group['id']}/service_accounts?per_page=100")


def fresh_runner(gs: GitLabStack, program: str) -> GitLabStack:
    """The same stack on a new runner: a new checkout with the stack's committed config, an empty
    ``PULUMI_HOME``, the same (file) backend."""
    old = gs.stack
    work = old.work.parent / f"{old.work.name}-next"
    shutil.copytree(PROGRAMS / program, work / "program", ignore=shutil.ignore_patterns("__pycache__"))
    config_file = f"Pulumi.{old.stack}.yaml"
    shutil.copy(old.dir / config_file, work / "program" / config_file)
    stack = PulumiStack(PROGRAMS / program, work, stack=old.stack, init=False,
                        extra_env={"PULUMI_BACKEND_URL": f"file://{old.work / 'state'}"})
    return GitLabStack(stack, gs.sandbox, gs.group, gs.project, set(gs.seen_secrets))


def kill_once_posted(gs: GitLabStack, routes: list[str]) -> None:
    """``pulumi up``, SIGKILLed with its whole process tree once a POST of each route is in flight."""
    sandbox = gs.sandbox
    sandbox.reset_counters()
    sandbox.set_faults(slow_rate=1.0, slow_seconds=SLOW_SECONDS, methods=["POST"], seed=3)
    try:
        args = ["up", "--yes", "--skip-preview"]
        proc = gs.stack.spawn(*args)
        arrived = lambda: all(sandbox.counters().get(f"POST {route}", 0) for route in routes)  # noqa: E731
        wait_for(lambda: arrived() or proc.poll() is not None, 120, f"POSTs to {routes}")
        assert proc.poll() is None, f"pulumi up finished before it could be killed:\n{gs.stack.reap(proc, args)}"
        kill_tree(proc.pid)
        gs.stack.reap(proc, args)
        assert proc.returncode == -signal.SIGKILL
        time.sleep(SLOW_SECONDS + 1)  # the POSTs in flight at the kill are still being committed
    finally:
        sandbox.clear_faults()


def recover(gs: GitLabStack, program: str) -> GitLabStack:
    """What the next CI job does after a crash: cancel, refresh dropping pending creates, up."""
    runner = fresh_runner(gs, program)
    runner.stack.run("cancel", "--yes")
    runner.stack.refresh("--clear-pending-creates")
    runner.sandbox.reset_counters()
    runner.stack.up()
    return runner


def assert_variables_exactly_once(gs: GitLabStack, value: str) -> None:
    found = variables_in_gitlab(gs)
    assert Counter((v["kind"], v["key"], v["environment_scope"]) for v in found) == VARIABLES
    assert sum(len(gs.stack.resources(t)) for t in VARIABLE_TYPES) == len(VARIABLES)
    minted = gs.reveal_outputs()["minted_token"]
    for variable in found:
        assert variable["value"] == (minted if variable["key"] == "MINTED_TOKEN" else value)
        assert ownership.parse(variable["description"])[1] is not None, "every variable carries its mark"


def variables_stack(gitlab_stack) -> GitLabStack:
    gs = gitlab_stack("variables")
    gs.stack.config_set("value", VALUE, secret=True)
    gs.seen_secrets.update({VALUE, OTHER_VALUE})
    return gs


# --- CI/CD variables ------------------------------------------------------------------------


def test_variables_killed_mid_create_are_taken_over_on_a_fresh_runner(gitlab_stack):
    gs = variables_stack(gitlab_stack)
    kill_once_posted(gs, [PROJECT_VARIABLES, GROUP_VARIABLES])
    in_state = sum(len(gs.stack.resources(t)) for t in VARIABLE_TYPES)
    assert len(variables_in_gitlab(gs)) > in_state, "no committed-but-unrecorded variable: the test proved nothing"

    runner = recover(gs, "variables")  # before, this `up` failed: "(DEPLOY_TOKEN) has already been taken"
    calls = runner.sandbox.counters()
    assert calls.get(f"PUT {PROJECT_VARIABLES}/:key", 0) + calls.get(f"PUT {GROUP_VARIABLES}/:key", 0) >= 1, \
        "no leftover was taken over"
    assert_variables_exactly_once(runner, VALUE)
    runner.sandbox.reset_counters()
    runner.stack.preview("--expect-no-changes")
    assert runner.sandbox.counters()["total"] == 0, "a no-op preview calls GitLab"
    runner.assert_no_secret_leaks()


def test_lost_create_answers_are_finished_by_the_same_up_and_another_stacks_equal_keys_never_taken(
        gitlab_stack, make_stack):
    """Two checks on one stack (they share its set-up): its first ``up`` loses every create's answer and
    finishes them; then another stack declaring the same keys fails and leaves them as they are."""
    gs = variables_stack(gitlab_stack)
    try:
        gs.sandbox.set_faults(drop_after_commit=["create_variable"], drop_rate=1.0)
        gs.sandbox.reset_counters()
        gs.stack.up()
    finally:
        gs.sandbox.clear_faults()
    calls = gs.sandbox.counters()
    assert calls[f"POST {PROJECT_VARIABLES}"] == 3 and calls[f"PUT {PROJECT_VARIABLES}/:key"] == 3, calls
    assert calls[f"POST {GROUP_VARIABLES}"] == 1 and calls[f"PUT {GROUP_VARIABLES}/:key"] == 1, calls
    assert_variables_exactly_once(gs, VALUE)
    before = {(v["kind"], v["key"], v["environment_scope"]): v for v in variables_in_gitlab(gs)}

    other = make_stack("variables", stack="other")  # same program, its own backend, the same group and project
    other.config_set_all({"gitlab:baseUrl": gs.sandbox.base_url, "project": gs.project["path_with_namespace"],
                          "group": gs.group["full_path"]},
                         {"gitlab:token": gs.sandbox.admin_token, "value": OTHER_VALUE})
    failed = other.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert "'DEPLOY_TOKEN' (environment_scope '*')" in failed.output and "already exists" in failed.output
    assert "another stack" in failed.output and "delete it in GitLab" in failed.output
    assert OTHER_VALUE not in failed.output

    after = {(v["kind"], v["key"], v["environment_scope"]): v for v in variables_in_gitlab(gs)}
    assert after == before, "the first stack's variables changed"
    gs.stack.preview("--expect-no-changes")
    gs.assert_no_secret_leaks()


# --- group service accounts --------------------------------------------------------------------


@pytest.mark.parametrize("username", [None, "ci-robot"])
def test_a_service_account_killed_mid_create_is_adopted_on_a_fresh_runner(gitlab_stack, username):
    config = {"username": f"{username}-{time.time_ns() % 10**9}"} if username else {}
    gs = gitlab_stack("service_account", **config)
    kill_once_posted(gs, [ACCOUNTS])
    [left] = accounts_in_gitlab(gs)
    assert gs.stack.resources(ACCOUNT_TYPE) == [], "the account is recorded: the test proved nothing"

    # Before, this `up` made a second account (no username) or failed as "already taken" (a username).
    runner = recover(gs, "service_account")
    [only] = accounts_in_gitlab(runner)
    assert only["id"] == left["id"], "adopted, not duplicated"
    assert runner.sandbox.counters().get(f"POST {ACCOUNTS}", 0) == 0
    [state] = runner.stack.resources(ACCOUNT_TYPE)
    assert state["outputs"]["service_account_id"] == left["id"] and state["outputs"]["name"] == "CI robot"
    assert runner.reveal_outputs()["sa_user_id"] == left["id"], "the token belongs to the adopted account"
    runner.stack.preview("--expect-no-changes")
    runner.assert_no_secret_leaks()


def test_a_lost_create_answer_is_adopted_by_the_same_up_and_another_stacks_equal_username_never_taken(
        gitlab_stack, make_stack):
    """Two checks on one stack (they share its set-up): its first ``up`` loses the account's create answer
    and adopts the account; then another stack declaring the same username fails and leaves it alone."""
    username = f"ci-robot-{time.time_ns() % 10**9}"
    first = gitlab_stack("service_account", username=username)
    try:
        first.sandbox.set_faults(drop_after_commit=["create_service_account"], drop_rate=1.0)
        first.stack.up()
    finally:
        first.sandbox.clear_faults()
    [before] = accounts_in_gitlab(first)
    assert first.reveal_outputs()["account_id"] == before["id"]

    other = make_stack("service_account", stack="other")
    other.config_set_all({"gitlab:baseUrl": first.sandbox.base_url, "group": first.group["full_path"],
                          "username": username}, {"gitlab:token": first.sandbox.admin_token})
    failed = other.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert f"id {before['id']} ('{username}'" in failed.output and "another stack" in failed.output
    assert "choose another username" in failed.output

    assert accounts_in_gitlab(first) == [before], "the first stack's account changed"
    first.stack.preview("--expect-no-changes")
    first.assert_no_secret_leaks()

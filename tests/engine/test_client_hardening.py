"""Through the real CLI: an outage fails in bounded time and the next run converges; numbers reach programs as ints.

Also: a ``gitlab:cacertFile`` that does not exist fails the run naming the key
and the path, before any request; and a ``gitlab:baseUrl`` that redirects to
another host fails without that host ever seeing a request.
"""

from __future__ import annotations

import time

import pytest
from support.sandbox import running_sandbox
from support.scripted_server import Recorded, Reply, scripted_server

pytestmark = pytest.mark.timeout(300)

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
#: The failing run's whole budget: the CLI's own start-up and a few retried calls.
OUTAGE_BOUND_SECONDS = 90


def test_an_outage_fails_in_bounded_time_then_the_next_run_converges_with_ints(gitlab_stack):
    gs = gitlab_stack("typed_outputs")
    gs.stack.config_set("gitlab:retries", "2")
    sandbox = gs.sandbox
    sandbox.set_faults(error_rate=1.0, error_status=503)  # every /api/v4 call: a long outage
    try:
        started = time.monotonic()
        failed = gs.stack.up(check=False)
        elapsed = time.monotonic() - started
    finally:
        sandbox.clear_faults()
    assert failed.returncode != 0
    assert elapsed < OUTAGE_BOUND_SECONDS, f"the outage held `pulumi up` for {elapsed:.0f} s"
    assert "GitLab answered 503 Service Unavailable" in failed.output, failed
    assert sandbox.admin_token not in failed.output
    assert gs.active_tokens() == []  # nothing was committed

    gs.stack.up()
    active = gs.active_tokens()
    assert len(active) == 1, f"a duplicate after the outage: {active}"
    outputs = gs.reveal_outputs()
    (resource,) = gs.stack.resources(PROJECT_TYPE)
    assert outputs["token_id"] == active[0]["id"] == resource["outputs"]["token_id"]
    assert outputs["seen_by_program"] == [f"int:{active[0]['id']}", f"int:{active[0]['user_id']}"]
    gs.stack.preview("--expect-no-changes")
    gs.assert_no_secret_leaks()


def test_a_missing_ca_bundle_is_named_at_configure(gitlab_stack, tmp_path):
    gs = gitlab_stack("typed_outputs")
    missing = tmp_path / "no-such-ca.pem"
    gs.stack.config_set("gitlab:cacertFile", str(missing))
    gs.sandbox.reset_counters()
    result = gs.stack.preview(check=False)
    assert result.returncode != 0
    assert f"gitlab:cacertFile '{missing}' does not exist" in result.output, result
    assert gs.sandbox.counters().get("total", 0) == 0


# With the early checks on, the first request is the preview's ``GET /user``; off, the create's one listing
# of the project (recovery of a dead run's tokens) before its POST. Either way the credential stays home.
@pytest.mark.parametrize(("preview_checks", "first_request"), [
    ("true", ("GET", "GET /user")),
    ("false", ("GET", "GET /projects/acme%2Fapp/access_tokens")),
])
def test_up_through_a_redirecting_address_fails_and_the_real_gitlab_never_sees_the_credential(
        make_stack, preview_checks, first_request):
    """gitlab:baseUrl answers 307 to a real GitLab on another host that would accept the credential."""
    method, route = first_request
    with running_sandbox(extra_args=["--host", "127.0.0.2"]) as other:
        group = other.create_group("acme")
        other.create_project("app", group["id"])
        other.reset_counters()

        def redirect(request: Recorded) -> Reply:
            return Reply(307, {"Location": f"{other.base_url}{request.path}"})

        with scripted_server("127.0.0.1", redirect) as redirector:
            stack = make_stack("typed_outputs")
            stack.config_set("gitlab:baseUrl", redirector.url)
            stack.config_set("gitlab:token", other.admin_token, secret=True)
            stack.config_set("project", "acme/app")
            stack.config_set("gitlab-tokens:previewChecks", preview_checks)
            result = stack.up(check=False)
            assert [r.method for r in redirector.requests] == [method]
        assert result.returncode != 0
        assert f"answered 307 Temporary Redirect on {route}" in result.output, result
        assert f"Set gitlab:baseUrl to the final address ({other.base_url})" in result.output
        assert other.counters().get("total", 0) == 0, "the other host got a request"
        assert other.admin_token not in stack.everything_printed()


def test_a_base_url_that_refuses_connections_fails_the_preview_naming_the_setting(gitlab_stack):
    """Nothing listens at ``gitlab:baseUrl``: the preview's first call is not retried (nothing was sent), and the
    error says which setting to fix; a GitLab answering 5xx still gets its retries (the outage test above)."""
    import socket

    gs = gitlab_stack("typed_outputs")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    gs.stack.config_set("gitlab:baseUrl", closed)
    result = gs.stack.preview(check=False)
    assert result.returncode != 0
    assert "the connection was refused or the host is unknown" in result.output, result
    assert "Check gitlab:baseUrl" in result.output and "even after retries" not in result.output, result
    assert gs.sandbox.admin_token not in result.output


@pytest.mark.parametrize("workers", ["\u00b2", "0"])
def test_an_unusable_worker_count_fails_the_preview_naming_the_variable(gitlab_stack, workers):
    """``²`` passes ``str.isdigit`` and crashed the provider; ``0`` silently meant 64. Both are a clear error."""
    gs = gitlab_stack("typed_outputs")
    result = gs.stack.preview(check=False, env={"GITLAB_TOKENS_PROVIDER_WORKERS": workers})
    assert result.returncode != 0
    assert f"GITLAB_TOKENS_PROVIDER_WORKERS is {workers!r}; set it to a positive whole number" in result.output, result
    assert "ValueError" not in result.output, result  # shown like every other unusable setting

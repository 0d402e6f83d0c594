"""The sandbox as a program: start-up output, options, persistence, signals, logs."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import gitlab
import pytest

from .conftest import in_a_month
from support.sandbox import running_sandbox


def test_starts_and_prints_exactly_two_lines() -> None:
    """How fast it starts is measured by `make bench`, not asserted here (a loaded machine is slow)."""
    process = subprocess.Popen([sys.executable, "-m", "gitlab_token_sandbox", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url_line = process.stdout.readline()
        token_line = process.stdout.readline()
        assert url_line.startswith("GITLAB_BASE_URL=http://127.0.0.1:") and not url_line.rstrip().endswith("/api/v4")
        assert token_line.startswith("GITLAB_TOKEN=glpat-")
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=10)
        assert rest == "" and process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly_after_in_flight_requests(signum: int) -> None:
    with running_sandbox() as sb:
        sb.set_faults(slow_rate=1.0, slow_seconds=1.0)
        answers: list[int] = []
        thread = threading.Thread(target=lambda: answers.append(sb.request("GET", "/api/v4/version")[0]))
        before = sb.counters().get("GET /api/v4/version", 0)
        thread.start()
        # Wait until the server has the request (it counts requests on arrival, before the slow fault).
        deadline = time.monotonic() + 10
        while sb.counters().get("GET /api/v4/version", 0) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sb.process is not None
        sb.process.send_signal(signum)
        thread.join(10)
        assert sb.process.wait(10) == 0
        assert answers == [200]
        assert sb.read_log().rstrip().endswith("stopped")


def test_log_has_one_line_per_request_and_no_secrets() -> None:
    with running_sandbox() as sb:
        user = sb.create_user("alice")
        secret = sb.create_user_token(user["id"])
        sb.request("GET", f"/api/v4/user?private_token={secret}", anonymous=True)
        group = sb.create_group("acme")
        created = sb.api("POST", f"/groups/{group['id']}/access_tokens",
                         {"name": "x", "scopes": ["api"], "expires_at": in_a_month()})
        sb.api("POST", f"/groups/{group['id']}/access_tokens/{created['id']}/rotate")
        # Read after a clean stop: a line is written just after its answer is sent, so earlier reads race.
        sb.stop()
        log = sb.read_log()
    for value in (sb.admin_token, secret, created["token"], "private_token"):
        assert value not in log
    assert " GET /api/v4/user 200 " in log
    assert " POST /api/v4/groups/%d/access_tokens 201 " % group["id"] in log
    request_lines = [line.split()[2:5] for line in log.splitlines() if " /api/v4/" in line]
    gid, tid = group["id"], created["id"]
    assert request_lines == [
        ["GET", "/api/v4/version", "200"],  # the helper's readiness probe
        ["POST", "/api/v4/users", "201"],
        ["POST", f"/api/v4/users/{user['id']}/personal_access_tokens", "201"],
        ["GET", "/api/v4/user", "200"],
        ["POST", "/api/v4/groups", "201"],
        ["POST", f"/api/v4/groups/{gid}/access_tokens", "201"],
        ["POST", f"/api/v4/groups/{gid}/access_tokens/{tid}/rotate", "200"],
    ]
    assert all(line.split()[-1].endswith("ms") for line in log.splitlines() if " /api/v4/" in line)


def test_admin_token_option_and_log_file(tmp_path: Path) -> None:
    log_file = tmp_path / "requests.log"
    with running_sandbox(extra_args=["--admin-token", "my-admin-secret", "--log-file", str(log_file)]) as sb:
        assert sb.admin_token == "my-admin-secret"
        assert sb.request("GET", "/api/v4/user")[2]["username"] == "root"
    assert "GET /api/v4/version 200" in log_file.read_text()
    assert "my-admin-secret" not in log_file.read_text()


def test_testing_time_environment_sets_the_clock() -> None:
    # 18.1: an omitted expires_at is today + 365 by the sandbox's clock (19.x refuses the omission).
    with running_sandbox(env={"GITLAB_TESTING_TIME": "2032-02-29T12:00:00Z"},
                         extra_args=["--gitlab-version", "18.1"]) as sb:
        assert sb.control("GET", "time") == {"now": "2032-02-29T12:00:00.000Z", "today": "2032-02-29",
                                             "overridden": True}
        group = sb.create_group("acme")
        created = sb.api("POST", f"/groups/{group['id']}/access_tokens", {"name": "x", "scopes": ["api"]})
        assert created["expires_at"] == "2033-02-28"
        sb.set_time("2040-01-01T00:00:00Z")
        sb.reset()  # back to the start-up clock, not real time
        assert sb.control("GET", "time")["today"] == "2032-02-29"


def test_bad_testing_time_is_a_start_up_error() -> None:
    result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", "--port", "0"],
                            env={**os.environ, "GITLAB_TESTING_TIME": "next tuesday"},
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and result.stdout == ""
    assert "next tuesday" in result.stderr


def test_max_lifetime_option() -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    with running_sandbox(extra_args=["--max-lifetime-days", "30"]) as sb:
        group = sb.create_group("acme")
        path = f"/api/v4/groups/{group['id']}/access_tokens"
        status, _, created = sb.request("POST", path, {"name": "x", "scopes": ["api"], "expires_at": in_a_month()})
        assert status == 201 and created["expires_at"] == (today + dt.timedelta(days=30)).isoformat()
        status, _, body = sb.request("POST", path, {"name": "x", "scopes": ["api"],
                                                    "expires_at": (today + dt.timedelta(days=31)).isoformat()})
        assert (status, body) == (400, {"message": "400 Bad request - Expires at must be before "
                                                   f"{(today + dt.timedelta(days=30)).isoformat()}"})


def link_urls(headers: dict[str, str]) -> list[str]:
    return re.findall(r"<([^>]+)>", headers["Link"])


def test_external_url_option_is_used_for_links_and_web_urls() -> None:
    external = "https://gitlab.example.test:8443"
    with running_sandbox(extra_args=["--external-url", external + "/"]) as sb:
        assert sb.base_url.startswith("http://127.0.0.1:")  # the printed URL stays the local one
        group = sb.create_group("acme")
        assert group["web_url"] == f"{external}/groups/acme"
        assert sb.api("GET", "/user")["web_url"] == f"{external}/root"
        status, headers, _ = sb.request("GET", f"/api/v4/groups/{group['id']}/members?per_page=1")
        assert status == 200 and link_urls(headers)
        assert all(url.startswith(f"{external}/api/v4/groups/{group['id']}/members?") for url in link_urls(headers))
    result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", "--external-url", "ftp://x"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and "--external-url" in result.stderr


def test_a_wildcard_bind_builds_urls_from_the_host_header() -> None:
    with running_sandbox(extra_args=["--host", "0.0.0.0"]) as sb:
        group = sb.create_group("acme")
        for number in range(3):
            sb.api("POST", f"/groups/{group['id']}/access_tokens",
                   {"name": f"g{number}", "scopes": ["api"], "expires_at": in_a_month()})
        path = f"/api/v4/groups/{group['id']}/access_tokens?per_page=2"
        _, headers, _ = sb.request("GET", path, headers={"Host": "gitlab.internal:8080"})
        assert all(url.startswith("http://gitlab.internal:8080/api/v4/") for url in link_urls(headers))
        _, headers, _ = sb.request("GET", path, headers={"Host": "bad>host"})
        assert all(url.startswith(sb.base_url + "/api/v4/") for url in link_urls(headers))
        # A client that says "localhost" follows rel="next" without python-gitlab's base-URL warning.
        local = sb.base_url.replace("127.0.0.1", "localhost")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tokens = gitlab.Gitlab(local, private_token=sb.admin_token).groups.get(group["id"]).access_tokens.list(
                per_page=2, get_all=True)
        assert [t.name for t in tokens] == ["g0", "g1", "g2"]
        assert not [w for w in caught if "base URL" in str(w.message)]


def test_state_survives_a_restart_with_data_dir(tmp_path: Path) -> None:
    with running_sandbox(data_dir=tmp_path) as sb:
        group = sb.create_group("acme")
        project = sb.create_project("app", group["id"])
        created = sb.api("POST", f"/projects/{project['id']}/access_tokens",
                         {"name": "ci", "scopes": ["api"], "expires_at": in_a_month()})
        rotated = sb.api("POST", f"/projects/{project['id']}/access_tokens/{created['id']}/rotate")
        url = sb.base_url
        sb.restart()
        assert sb.base_url == url and (tmp_path / "sandbox.sqlite3").exists()
        assert sb.request("GET", "/api/v4/projects/acme%2Fapp")[2]["id"] == project["id"]
        assert [(t["id"], t["revoked"]) for t in sb.tokens()] == [(created["id"], True), (rotated["id"], False)]
        # The secret still works (only its digest was stored) and the next id follows on.
        assert sb.request("GET", "/api/v4/personal_access_tokens/self", token=rotated["token"])[0] == 200
        again = sb.api("POST", f"/projects/{project['id']}/access_tokens",
                       {"name": "ci2", "scopes": ["api"], "expires_at": in_a_month()})
        assert again["id"] > rotated["id"]
    raw = (tmp_path / "sandbox.sqlite3").read_bytes()
    assert rotated["token"].encode() not in raw and created["token"].encode() not in raw


def test_without_data_dir_a_restart_forgets_everything() -> None:
    with running_sandbox() as sb:
        sb.create_group("acme")
        sb.restart()
        assert sb.request("GET", "/api/v4/groups/acme")[0] == 404


def test_seed_creates_groups_and_projects_at_start_once(tmp_path: Path) -> None:
    seeds = ["--seed", "acme/app", "--seed", "acme/platform/api"]
    with running_sandbox(data_dir=tmp_path / "data", extra_args=seeds) as sb:
        gl = sb.gitlab()
        api = gl.projects.get("acme/platform/api")
        assert api.path_with_namespace == "acme/platform/api"
        assert gl.groups.get("acme/platform").parent_id == gl.groups.get("acme").id
        # A seeded project is a normal one: tokens can be made in it.
        token = api.access_tokens.create({"name": "ci", "scopes": ["api"], "expires_at": in_a_month()})
        assert token.token.startswith("glpat-")
        ids = {path: gl.projects.get(path).id for path in ("acme/app", "acme/platform/api")}
        sb.restart()  # same seeds, same data: nothing is made twice, and the start does not fail
        gl = sb.gitlab()
        assert {path: gl.projects.get(path).id for path in ids} == ids
        assert [t["name"] for t in sb.tokens()] == ["ci"]


@pytest.mark.parametrize("seed, message", [
    ("acme", "give a group and a project, like acme/app"),
    ("acme/-app", "'-app' is not a GitLab path"),
    ("root/app", "'root' is a user's namespace, not a group"),
])
def test_a_bad_seed_is_a_start_up_error_naming_it(seed: str, message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", "--port", "0", "--seed", seed],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and message in result.stderr, result.stderr

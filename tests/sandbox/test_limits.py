"""Serving limits: idle and slow clients cannot exhaust the sandbox, and never cost data.

Each test starts its own sandbox with small limits, then plays the bad clients
over raw sockets while a good client (python-gitlab) keeps working.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator
from urllib.parse import urlsplit

from .conftest import in_a_month
from support.sandbox import Sandbox, running_sandbox


def _connect(sb: Sandbox) -> socket.socket:
    url = urlsplit(sb.base_url)
    return socket.create_connection((url.hostname, url.port), timeout=10)


def _closed_within(conn: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Read until the server closes the connection; ``(closed in time, what it sent)``."""
    conn.settimeout(seconds)
    received = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            chunk = conn.recv(4096)
            if not chunk:
                return True, received
            received += chunk
    except ConnectionResetError:
        return True, received
    except socket.timeout:
        return False, received
    return False, received


@contextlib.contextmanager
def drip(sb: Sandbox, request: bytes, every: float) -> Iterator[threading.Event]:
    """A client sending ``request`` one byte every ``every`` seconds; the event is set once the server cut it."""
    cut = threading.Event()
    stop = threading.Event()
    conn = _connect(sb)

    def run() -> None:
        try:
            for byte in request:
                conn.sendall(bytes([byte]))
                if stop.wait(every):
                    return
        except OSError:
            cut.set()
            return
        # Sent all of it: the server answered or closed; either way look at the socket.
        closed, _ = _closed_within(conn, 5)
        if closed:
            cut.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield cut
    finally:
        stop.set()
        thread.join(5)
        conn.close()


def _post_headers(sb: Sandbox, path: str, length: int) -> bytes:
    host = urlsplit(sb.base_url).netloc
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nPRIVATE-TOKEN: {sb.admin_token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()


def test_a_slow_drip_request_is_cut_at_the_deadline_and_never_runs() -> None:
    with running_sandbox(extra_args=["--request-timeout", "1"]) as sb:
        group = sb.create_group("acme")
        body = json.dumps({"name": "dripped", "scopes": ["api"], "expires_at": in_a_month()}).encode()
        path = f"/api/v4/groups/{group['id']}/access_tokens"
        conn = _connect(sb)
        try:
            # Headers at once, then the body a byte every 0.2 s: each gap is short, the whole is not.
            conn.sendall(_post_headers(sb, path, len(body)))
            started = time.monotonic()
            with contextlib.suppress(OSError):
                for byte in body:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.2)
            closed, answer = _closed_within(conn, 5)
        finally:
            conn.close()
        assert closed and answer == b""
        assert time.monotonic() - started < 10
        assert [t["name"] for t in sb.tokens()] == []
        assert "did not arrive within 1s" in sb.read_log()
        # The server is fine, and a normal request is served.
        normal = {"name": "normal", "scopes": ["api"], "expires_at": in_a_month()}
        assert sb.api("POST", path.removeprefix("/api/v4"), normal, expect=201)["name"] == "normal"


def test_a_header_drip_slower_than_the_idle_timeout_per_byte_is_still_cut() -> None:
    # The attack the old per-read timeout allowed: every gap under the timeout, forever.
    with running_sandbox(extra_args=["--request-timeout", "1", "--idle-timeout", "30"]) as sb:
        request = f"GET /api/v4/version HTTP/1.1\r\nHost: x\r\nX-Padding: {'a' * 200}\r\n\r\n".encode()
        started = time.monotonic()
        with drip(sb, request, every=0.3) as cut:
            assert cut.wait(8), "the dripping connection was not closed"
        assert time.monotonic() - started < 8
        assert sb.request("GET", "/api/v4/version")[0] == 200


def test_idle_connections_do_not_starve_real_clients() -> None:
    with running_sandbox(extra_args=["--workers", "4", "--max-waiting", "4", "--idle-timeout", "60"]) as sb:
        group = sb.create_group("acme")
        idle = [_connect(sb) for _ in range(40)]  # connect and send nothing, ten per worker
        try:
            time.sleep(0.5)
            gl = sb.gitlab(timeout=10, retry_transient_errors=True)
            created, started = [], time.monotonic()
            for number in range(10):
                token = gl.groups.get(group["id"], lazy=True).access_tokens.create(
                    {"name": f"while-idle-{number}", "scopes": ["api"], "expires_at": in_a_month()})
                created.append(token.id)
            assert time.monotonic() - started < 20
            # Connections over the bound were answered 503 and closed, not left hanging.
            refused = 0
            for conn in idle:
                closed, answer = _closed_within(conn, 0.05)
                if closed and answer.startswith(b"HTTP/1.1 503 "):
                    refused += 1
            assert refused > 0
        finally:
            for conn in idle:
                conn.close()
        census = sb.tokens()
        assert sorted(t["id"] for t in census) == sorted(created)
        assert all(t["active"] for t in census)


def test_past_the_bound_clients_get_503_and_no_data_is_lost_or_duplicated() -> None:
    with running_sandbox(extra_args=["--workers", "2", "--max-waiting", "1", "--request-timeout", "2"]) as sb:
        group = sb.create_group("acme")
        path = f"/api/v4/groups/{group['id']}/access_tokens"
        before = sb.api("POST", path.removeprefix("/api/v4"),
                        {"name": "before", "scopes": ["api"], "expires_at": in_a_month()}, expect=201)

        def create(number: int) -> tuple[int | str, object]:
            try:
                status, headers, body = sb.request(
                    "POST", path, {"name": f"during-{number}", "scopes": ["api"], "expires_at": in_a_month()})
            except OSError:
                return "closed", None  # refused by closing: allowed past the bound, and nothing ran
            if status == 503:
                assert headers.get("Retry-After") == "1"
            return status, body

        # Two slow clients hold both workers for up to the request deadline; six clients arrive at once.
        with drip(sb, _post_headers(sb, path, 40) + b"{" * 40, every=0.25), \
                drip(sb, _post_headers(sb, path, 40) + b"{" * 40, every=0.25):
            time.sleep(0.3)
            with ThreadPoolExecutor(6) as pool:
                outcomes = list(pool.map(create, range(6)))
        assert {status for status, _ in outcomes} <= {201, 503, "closed"}
        refused = [body for status, body in outcomes if status == 503]
        assert refused and all(body == {"message": "503 Service Unavailable"} for body in refused)
        after = sb.api("POST", path.removeprefix("/api/v4"),
                       {"name": "after", "scopes": ["api"], "expires_at": in_a_month()}, expect=201)
        answered = [body["id"] for status, body in outcomes if status == 201]
        census = sb.tokens()
        # Exactly what was answered 201 exists: nothing refused ran, nothing answered is missing.
        assert sorted(t["id"] for t in census) == sorted([before["id"], *answered, after["id"]])
        assert "refused a connection" in sb.read_log()


def test_limits_are_checked_at_start() -> None:
    for args, message in ((["--workers", "0"], "--workers must be at least 1"),
                          (["--max-waiting", "0"], "--max-waiting must be at least 1"),
                          (["--request-timeout", "0"], "--request-timeout must be more than 0 seconds")):
        result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", *args], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 2 and message in result.stderr, result.stderr

"""The transport's own request path sends what requests' full path would, over real HTTP where it matters.

:class:`~pulumi_gitlab_tokens.client.transport.GitLabSession` prepares and sends each
call itself, skipping requests' per-call work that does nothing for GitLab's
API. These tests hold it to requests: the same URL, query, headers and body
for the same call; proxies from the environment still carry the request; the
timeout still bounds it; and the one deliberate difference, no cookie kept.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.scripted_server import Recorded, Reply, scripted_server

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client import gitlab_client, transport
from pulumi_gitlab_tokens.lifecycle.token_endpoints import TokenEndpoints

CREDENTIAL = "Zq7rT2vLx9KpWm4NcY8b"
TOKEN_JSON = {"id": 7, "name": "ci", "user_id": 9, "scopes": ["api"], "access_level": 30, "active": True,
              "revoked": False, "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-12-31"}
BASE_URL = "https://gitlab.example.com/git"

pytestmark = pytest.mark.timeout(120)


def token_header(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Authenticate as python-gitlab's private-token auth does."""
    request.headers["PRIVATE-TOKEN"] = CREDENTIAL
    return request


def requests_own(session: transport.GitLabSession, method: str, url: str, **call: Any) -> requests.PreparedRequest:
    """What requests' ``Session.prepare_request`` makes of the call, with the same session settings."""
    reference = requests.Session()
    reference.trust_env = False
    reference.headers = session.headers.copy()
    params = call.pop("params", None)
    data = call.pop("data", None)
    return reference.prepare_request(requests.Request(method=method.upper(), url=url, params=params or {},
                                                      data=data or {}, **call))


scalars = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 10**6), st.booleans(), st.binary(max_size=4))
header_names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1, max_size=12)
header_values = st.text("abcdefghijklmnopqrstuvwxyz0123456789 /;=.,*", max_size=16).map(str.strip)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["get", "GET", "post", "put", "delete", "head"]),
    path=st.sampled_from(["/api/v4/projects/acme%2Fapp/access_tokens", "/api/v4/groups/7/access_tokens/9",
                          "/api/v4/personal_access_tokens/self?x=1", "/api/v4/projects/ac%C3%A9/variables"]),
    params=st.one_of(st.none(), st.dictionaries(st.text(min_size=1, max_size=8),
                                                st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=4)),
    headers=st.one_of(st.none(), st.dictionaries(header_names, st.one_of(st.none(), header_values), max_size=4),
                      st.just({"Accept": None, "Content-type": "application/json"})),
    body=st.one_of(st.none(), st.fixed_dictionaries({"name": st.text(max_size=8),
                                                      "scopes": st.lists(st.sampled_from(["api", "read_api"])),
                                                      "expires_at": st.one_of(st.none(), st.just("2026-12-31"))})),
)
def test_the_request_prepared_is_the_one_requests_would_prepare(method, path, params, headers, body):
    session = transport.GitLabSession(BASE_URL)
    url = BASE_URL + path
    call = {"params": params, "headers": headers, "json": body, "auth": token_header}
    ours = session.prepare_call(method, url, **call)
    theirs = requests_own(session, method, url, **call)
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.headers["PRIVATE-TOKEN"] == CREDENTIAL


def test_form_bodies_query_strings_and_explicit_cookies_are_prepared_like_requests():
    session = transport.GitLabSession(BASE_URL)
    url = f"{BASE_URL}/api/v4/projects"
    for call in ({"data": {"a": "1", "b": ["x", "y"]}}, {"data": b"raw"}, {"params": "page=2&per_page=100"},
                 {"params": [("search", "ci"), ("search", "cd")]}, {"cookies": {"flavour": "oat"}}):
        ours = session.prepare_call("POST", url, **call)
        theirs = requests_own(session, "POST", url, **call)
        assert (ours.url, ours.body, dict(ours.headers)) == (theirs.url, theirs.body, dict(theirs.headers)), call


def test_a_cookie_gitlab_sets_is_not_sent_back():
    def answer(_request: Recorded) -> Reply:
        return Reply(200, {"Content-Type": "application/json", "Set-Cookie": "_gitlab_session=abc123; path=/"},
                     json.dumps(TOKEN_JSON).encode())

    with scripted_server("127.0.0.1", answer) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=CREDENTIAL))
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        api.get(7)
        api.get(7)
        assert [r.headers.get("Cookie") for r in gitlab.requests] == [None, None]
        assert [r.headers.get("PRIVATE-TOKEN") for r in gitlab.requests] == [CREDENTIAL, CREDENTIAL]


def test_a_proxy_from_the_environment_carries_the_request_unless_no_proxy_names_gitlab(monkeypatch):
    def proxy_answer(_request: Recorded) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(TOKEN_JSON).encode())

    with scripted_server("127.0.0.2", proxy_answer) as proxy, scripted_server("127.0.0.1", proxy_answer) as gitlab:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=CREDENTIAL))
        assert TokenEndpoints(kinds.PROJECT, "acme/app").get(7)["id"] == 7
        (through_proxy,) = proxy.requests
        # A proxy is asked for the absolute URL: the one GitLab, never another host.
        assert through_proxy.path == f"{gitlab.url}/api/v4/projects/acme%2Fapp/access_tokens/7"
        assert not gitlab.requests

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=CREDENTIAL, retries=1))
        assert TokenEndpoints(kinds.PROJECT, "acme/app").get(7)["id"] == 7
        assert len(proxy.requests) == 1 and len(gitlab.requests) == 1


def test_the_timeout_still_bounds_an_answer_that_never_comes():
    """A server that accepts and then says nothing: the call ends at the timeout, retries included."""
    release = threading.Event()

    class Silent(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            release.wait(30)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        session = transport.GitLabSession(f"http://127.0.0.1:{server.server_address[1]}", retries=0)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout, match="Read timed out"):
            session.get(f"http://127.0.0.1:{server.server_address[1]}/api/v4/version", timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_one_kept_alive_connection_serves_calls_made_one_after_another():
    """Each answer read in full hands its connection back to the pool for the next call."""
    def answer(_request: Recorded) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(TOKEN_JSON).encode())

    with scripted_server("127.0.0.1", answer) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=CREDENTIAL))
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        for _ in range(5):
            assert api.get(7)["id"] == 7
        api.revoke(7)
        session = gitlab_client.admin_client().session
        pools = session.get_adapter(gitlab.url).poolmanager.pools
        (pool,) = [pools[key] for key in pools.keys()]
        assert (pool.num_connections, pool.num_requests) == (1, 6)

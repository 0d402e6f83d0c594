"""The credential goes only to gitlab:baseUrl, and every wait is bounded: over real HTTP.

A GitLab on 127.0.0.1 that redirects, and a recorder on 127.0.0.2 (another
host to any client) that must never see a request, let alone the
credential. The provider's own client paths are driven: the ``TokenEndpoints``
methods ``create``, ``rotate``, ``get``, ``list_named``, ``revoke`` and
``self_information``.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.parse
from typing import Callable

import pytest
from support.scripted_server import Recorded, Reply, scripted_server

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client import gitlab_client, transport
from pulumi_gitlab_tokens.client.gitlab_errors import AnswerLost
from pulumi_gitlab_tokens.common.errors import GitLabTokenError
from pulumi_gitlab_tokens.lifecycle import token_endpoints
from pulumi_gitlab_tokens.lifecycle.token_endpoints import TokenEndpoints

#: No GitLab prefix: only scrubbing by value can hide it.
CREDENTIAL = "Zq7rT2vLx9KpWm4NcY8b"
TOKEN_JSON = {"id": 7, "name": "ci", "user_id": 9, "scopes": ["api"], "access_level": 30, "active": True,
              "revoked": False, "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-12-31"}

pytestmark = pytest.mark.timeout(120)


def configure(base_url: str, retries: int = transport.DEFAULT_RETRIES) -> None:
    gitlab_client.configure(gitlab_client.Settings(base_url=base_url, token=CREDENTIAL, retries=retries))


#: (label, what the client does) for each of the provider's request paths.
CALLS: list[tuple[str, str, Callable[[TokenEndpoints], object]]] = [
    ("GET", "get", lambda api: api.get(7)),
    ("GET", "list_named", lambda api: api.list_named("ci")),
    ("GET", "self_information", lambda api: api.self_information("Yh3sP0dQw8LmZx5VtB2n")),
    ("POST", "create", lambda api: api.create(name="ci", scopes=["api"], access_level=30,
                                              expires_at="2026-12-31", description=None)),
    ("POST", "rotate", lambda api: api.rotate(7, "2026-12-31")),
    ("DELETE", "revoke", lambda api: api.revoke(7)),
]


@pytest.fixture(scope="module")
def recorder():
    """The other host: answers like GitLab would, so a followed redirect would look like success."""

    def answer(request: Recorded) -> Reply:
        if request.method == "DELETE":
            return Reply(204)
        body = [TOKEN_JSON] if request.path.split("?")[0].endswith("/access_tokens") and request.method == "GET" \
            else {**TOKEN_JSON, "token": "glpat-recordedrecordedrecorded"}
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    with scripted_server("127.0.0.2", answer) as server:
        yield server


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method,name,call", CALLS, ids=[c[1] for c in CALLS])
def test_no_redirect_is_followed_and_the_other_host_sees_nothing(recorder, status, method, name, call):
    recorder.requests.clear()

    def redirect(request: Recorded) -> Reply:
        return Reply(status, {"Location": f"{recorder.url}/gitlab{request.path}"})

    with scripted_server("127.0.0.1", redirect) as gitlab:
        configure(gitlab.url)
        with pytest.raises(GitLabTokenError, match=rf"answered {status} ") as raised:
            call(TokenEndpoints(kinds.PROJECT, "acme/app"))
        assert [r.method for r in gitlab.requests] == [method], "exactly one request, to the configured GitLab"
    assert recorder.requests == [], f"{method} {name} after a {status} reached the other host"
    message = str(raised.value)
    assert "\n" not in message
    assert f"answered {status} " in message
    assert f"pointing to {recorder.url}/gitlab/api/v4/" in message
    assert f"Set gitlab:baseUrl to the final address ({recorder.url}/gitlab)" in message
    assert CREDENTIAL not in message


def test_a_relative_or_missing_location_is_named_too():
    answers = iter([Reply(302, {"Location": "/users/sign_in"}), Reply(302)])
    with scripted_server("127.0.0.1", lambda _r: next(answers)) as gitlab:
        configure(gitlab.url)
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        with pytest.raises(GitLabTokenError, match=r"pointing to http://127\.0\.0\.1:\d+/users/sign_in"):
            api.get(7)
        with pytest.raises(GitLabTokenError, match="with no Location"):
            api.get(7)


def test_a_pagination_link_to_another_host_is_not_followed(recorder):
    """Pages are asked for by number at the configured address; a hostile ``Link: rel="next"`` is ignored."""
    recorder.requests.clear()
    pages: list[str] = []

    def paged(request: Recorded) -> Reply:
        pages.append(request.path)
        last = "page=2" in request.path
        link = {} if last else {
            "Link": f'<{recorder.url}/api/v4/projects/acme%2Fapp/access_tokens?page=2&per_page=100>; rel="next"'}
        body = [TOKEN_JSON] if last else [TOKEN_JSON] * token_endpoints.LIST_PAGE_SIZE
        return Reply(200, {"Content-Type": "application/json", **link}, json.dumps(body).encode())

    with scripted_server("127.0.0.1", paged) as gitlab:
        configure(gitlab.url)
        found = TokenEndpoints(kinds.PROJECT, "acme/app").list_named("ci")
    assert len(found) == token_endpoints.LIST_PAGE_SIZE + 1 and len(pages) == 2
    assert recorder.requests == []


def test_a_server_that_never_stops_paging_is_cut_off():
    full_page = json.dumps([TOKEN_JSON] * token_endpoints.LIST_PAGE_SIZE).encode()
    with scripted_server("127.0.0.1", lambda _r: Reply(200, {"Content-Type": "application/json"}, full_page)) \
            as gitlab:
        configure(gitlab.url)
        with pytest.raises(GitLabTokenError, match="GitLab listed more than 10000 tokens"):
            TokenEndpoints(kinds.PROJECT, "acme/app").list_named("ci")
        assert len(gitlab.requests) == token_endpoints.MAX_LIST_PAGES


def test_the_session_refuses_any_other_origin(recorder):
    recorder.requests.clear()
    session = transport.GitLabSession("http://127.0.0.1:9")
    for url in (f"{recorder.url}/api/v4/version", "https://127.0.0.1:9/api/v4/version",
                "http://127.0.0.1:10/api/v4/version"):
        with pytest.raises(GitLabTokenError, match="Refusing to send a GET request"):
            session.get(url, headers={"PRIVATE-TOKEN": CREDENTIAL})
    assert recorder.requests == []


def test_suggested_base_url_is_the_part_before_api_v4():
    assert transport.suggested_base_url("https://gitlab.example.com/api/v4/projects/1") == "https://gitlab.example.com"
    assert transport.suggested_base_url("https://x.example/git/api/v4/version") == "https://x.example/git"
    assert transport.suggested_base_url("https://user:pw@x.example/login") == "https://x.example"


# --- bounded waiting ------------------------------------------------------------------


def scripted_answers(*replies: Reply) -> Callable[[Recorded], Reply]:
    """Answer with ``replies`` in turn, repeating the last one."""
    queue = list(replies)

    def answer(_request: Recorded) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


def too_many(retry_after: str | None) -> Reply:
    headers = {"Content-Type": "text/plain"} | ({"Retry-After": retry_after} if retry_after is not None else {})
    return Reply(429, headers, b"Retry later\n")


def ok_token() -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, json.dumps(TOKEN_JSON).encode())


def test_a_retry_after_beyond_the_cap_fails_at_once_with_a_429_line():
    with scripted_server("127.0.0.1", scripted_answers(too_many("3600"))) as gitlab:
        configure(gitlab.url)
        started = time.monotonic()
        with pytest.raises(GitLabTokenError, match="asked to wait 3600 s") as raised:
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
        elapsed = time.monotonic() - started
        assert len(gitlab.requests) == 1
    assert elapsed < 5
    message = str(raised.value)
    assert raised.value.status == 429
    assert message.startswith("GitLab answered 429 Too Many Requests on GET /projects/acme%2Fapp/access_tokens/7")
    assert "asked to wait 3600 s" in message and "at most 60 s at a time" in message


def test_a_short_retry_after_is_honoured_then_the_call_succeeds():
    with scripted_server("127.0.0.1", scripted_answers(too_many("1"), ok_token())) as gitlab:
        configure(gitlab.url)
        started = time.monotonic()
        assert TokenEndpoints(kinds.PROJECT, "acme/app").get(7)["id"] == 7
        elapsed = time.monotonic() - started
        assert len(gitlab.requests) == 2
    assert 0.9 < elapsed < 5


def test_rate_limiting_on_a_post_is_retried_too_and_runs_out_with_a_429_line():
    with scripted_server("127.0.0.1", scripted_answers(too_many("0"))) as gitlab:
        configure(gitlab.url, retries=2)
        with pytest.raises(GitLabTokenError, match=r"429 Too Many Requests on POST .*after 2 retries") as raised:
            CALLS[3][2](TokenEndpoints(kinds.PROJECT, "acme/app"))
        assert [r.method for r in gitlab.requests] == ["POST"] * 3
    assert raised.value.status == 429


@pytest.mark.parametrize("header", ["soon", "", "-5", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "9" * 400])
def test_odd_retry_after_values_never_crash_the_client(header):
    with scripted_server("127.0.0.1", scripted_answers(too_many(header), ok_token())) as gitlab:
        configure(gitlab.url, retries=1)
        started = time.monotonic()
        try:
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
        except GitLabTokenError as err:
            assert err.status == 429  # a wait beyond the cap: refused, not slept
        assert time.monotonic() - started < 5


def test_a_long_outage_fails_in_bounded_time_without_retrying_posts():
    with scripted_server("127.0.0.1", scripted_answers(Reply(503, {}, b'{"message":"503 Service Unavailable"}'))) \
            as gitlab:
        configure(gitlab.url, retries=2)
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        started = time.monotonic()
        with pytest.raises(GitLabTokenError, match="GitLab answered 503 Service Unavailable on GET"):
            api.get(7)
        assert time.monotonic() - started < 0.5 + 1 + 2  # backoff 0.5 s, 1 s
        assert len(gitlab.requests) == 3
        gitlab.requests.clear()
        # A POST may have minted: recovery looks, the transport does not retry.
        with pytest.raises(AnswerLost, match="access_tokens: GitlabCreateError"):
            CALLS[3][2](api)
        assert len(gitlab.requests) == 1


def test_retry_wait_reads_gitlab_headers_and_caps_backoff():
    now = 1_000_000.0
    assert transport.retry_wait(429, {"Retry-After": "7"}, 0, now) == 7
    assert transport.retry_wait(429, {"Retry-After": "1.5"}, 0, now) == 1.5
    assert transport.retry_wait(429, {"RateLimit-Reset": str(int(now) + 30)}, 0, now) == 30
    assert transport.retry_wait(429, {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, 0, now) == 0
    assert transport.retry_wait(503, {"Retry-After": "7"}, 2, now) == 2.0  # 5xx: backoff only
    assert transport.retry_wait(503, {}, 40, now) == transport.MAX_RETRY_WAIT_SECONDS


def test_no_retry_starts_past_the_budget_of_a_call():
    session = transport.GitLabSession("http://127.0.0.1:9", retries=100)
    just_started = time.monotonic()
    assert session._may_wait(0, transport.MAX_RETRY_WAIT_SECONDS, just_started)
    assert not session._may_wait(0, transport.MAX_RETRY_WAIT_SECONDS + 1, just_started)
    long_ago = just_started - transport.RETRY_BUDGET_SECONDS + 1
    assert not session._may_wait(0, 2, long_ago)
    assert not session._may_wait(100, 0, just_started)


def test_a_huge_answer_is_not_read():
    huge = b"[" + b" " * (transport.MAX_ANSWER_BYTES + 10) + b"]"
    with scripted_server("127.0.0.1", scripted_answers(Reply(200, {"Content-Type": "application/json"}, huge))) \
            as gitlab:
        configure(gitlab.url)
        with pytest.raises(GitLabTokenError, match="larger than 8 MiB"):
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)


def test_the_credential_is_sent_to_the_configured_gitlab_only_as_its_header():
    with scripted_server("127.0.0.1", scripted_answers(ok_token())) as gitlab:
        configure(gitlab.url)
        TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
        (request,) = gitlab.requests
    assert request.headers.get("PRIVATE-TOKEN") == CREDENTIAL
    assert CREDENTIAL not in urllib.parse.unquote(request.path)


def test_a_location_carrying_the_credential_or_control_characters_is_shown_scrubbed_on_one_line():
    location = f"http://127.0.0.2:9/login?private_token={CREDENTIAL}&next=%0d%0aSet-Cookie:x" + "a" * 5000
    with scripted_server("127.0.0.1", lambda _r: Reply(302, {"Location": location})) as gitlab:
        configure(gitlab.url)
        with pytest.raises(GitLabTokenError, match="answered 302 Found") as raised:
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
    message = str(raised.value)
    assert CREDENTIAL not in message and CREDENTIAL[:12] not in message
    assert "\n" not in message and "\r" not in message and len(message) < 800
    assert "Set gitlab:baseUrl to the final address (http://127.0.0.2:9)" in message


def cut_short() -> Reply:
    """An answer whose connection closes halfway through the body."""
    return Reply(200, {"Content-Type": "application/json", "Content-Length": "500", "Connection": "close"},
                 json.dumps(TOKEN_JSON).encode()[:20])


def test_an_answer_cut_off_halfway_is_retried_for_reads_and_lost_for_posts():
    with scripted_server("127.0.0.1", scripted_answers(cut_short(), ok_token())) as gitlab:
        configure(gitlab.url)
        assert TokenEndpoints(kinds.PROJECT, "acme/app").get(7)["id"] == 7
        assert len(gitlab.requests) == 2
    with scripted_server("127.0.0.1", scripted_answers(cut_short(), ok_token())) as gitlab:
        configure(gitlab.url)
        with pytest.raises(AnswerLost, match="rotate: ChunkedEncodingError"):
            CALLS[4][2](TokenEndpoints(kinds.PROJECT, "acme/app"))
        assert len(gitlab.requests) == 1


def gzipped_token(body: bytes | None = None) -> Reply:
    return Reply(200, {"Content-Type": "application/json", "Content-Encoding": "gzip"},
                 gzip.compress(body if body is not None else json.dumps(TOKEN_JSON).encode()))


def test_a_compressed_answer_is_unpacked_and_bounded_by_what_it_unpacks_to():
    bomb = b"[" + b" " * (transport.MAX_ANSWER_BYTES + 10) + b"]"  # about 8 KiB once compressed
    with scripted_server("127.0.0.1", scripted_answers(gzipped_token(), gzipped_token(bomb))) as gitlab:
        configure(gitlab.url)
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        assert api.get(7)["name"] == "ci"
        with pytest.raises(GitLabTokenError, match="larger than 8 MiB"):
            api.get(7)
    assert len(gzipped_token(bomb).body) < 64 * 1024


@pytest.mark.parametrize("listing", ["list_all", "service accounts"])
def test_every_listing_stops_after_a_bounded_number_of_pages(listing):
    """Not only ``list_named``: a server that always answers a full page and a ``Link: rel="next"`` gets an error
    after :data:`MAX_LIST_PAGES` requests, not a ``RecursionError``."""
    from pulumi_gitlab_tokens.service_accounts.provider import GroupServiceAccountProvider

    def endless(request: Recorded) -> Reply:
        link = f'<http://{request.headers.get("Host")}{request.path.split("?")[0]}?page=2&per_page=100>; rel="next"'
        record = {**TOKEN_JSON, "username": "robot", "email": "robot@example.com"}
        return Reply(200, {"Content-Type": "application/json", "Link": link},
                     json.dumps([record] * token_endpoints.LIST_PAGE_SIZE).encode())

    with scripted_server("127.0.0.1", endless) as gitlab:
        configure(gitlab.url)
        with pytest.raises(GitLabTokenError, match="listed more than 10000"):
            if listing == "list_all":
                TokenEndpoints(kinds.PROJECT, "acme/app").list_all()
            else:
                GroupServiceAccountProvider().read("acme:12345", {"group": "acme"})
        assert len(gitlab.requests) == token_endpoints.MAX_LIST_PAGES
        assert [urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)["page"] for r in gitlab.requests[:2]] \
            == [["1"], ["2"]], "pages asked for by number"


def test_a_variable_update_is_retried_on_5xx_like_a_read():
    """Setting a variable to a value twice is setting it once: a PUT answered 500 is sent again."""
    from pulumi_gitlab_tokens.variables.api import VariableApi

    variable = {"key": "DEPLOY_TOKEN", "value": "v", "variable_type": "env_var", "environment_scope": "*"}
    replies = scripted_answers(Reply(500, {}, b'{"message":"500 Internal Server Error"}'), Reply(502),
                               Reply(200, {"Content-Type": "application/json"}, json.dumps(variable).encode()))
    with scripted_server("127.0.0.1", replies) as gitlab:
        configure(gitlab.url, retries=2)
        answer = VariableApi(kinds.PROJECT, "acme/app").update("DEPLOY_TOKEN", "*", {"value": "v"})
    assert answer["key"] == "DEPLOY_TOKEN"
    assert [r.method for r in gitlab.requests] == ["PUT"] * 3


def test_a_refused_connection_is_not_retried_and_names_the_base_url(monkeypatch):
    """Nothing listens there: one attempt, no backoff, and the error says which setting to fix."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    waits: list[float] = []
    monkeypatch.setattr(transport.time, "sleep", waits.append)
    configure(closed)
    with pytest.raises(GitLabTokenError) as raised:
        TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
    assert waits == [], "a refused connection is not waited on"
    message = str(raised.value)
    assert "gitlab:baseUrl" in message and "refused" in message and CREDENTIAL not in message
    with scripted_server("127.0.0.1", scripted_answers(Reply(503), Reply(429, {"Retry-After": "0"}),
                                                       Reply(200, {"Content-Type": "application/json"},
                                                             json.dumps(TOKEN_JSON).encode()))) as gitlab:
        configure(gitlab.url)
        assert TokenEndpoints(kinds.PROJECT, "acme/app").get(7)["id"] == 7
    assert len(waits) == 2, "a GitLab that answers 5xx or 429 still gets the bounded retries"

"""The client against a server answering at random: odd statuses, odd bodies, echoed credentials.

A small local server answers each request with the next scripted reply -
redirects, 4xx, 5xx, 429 with odd ``Retry-After`` values, and bodies that are
HTML, empty, huge, not JSON, the wrong JSON shape, or the request's own
headers echoed back (credential included). Whatever it answers, every
provider call either returns or raises the provider's own one-line errors;
no message carries the credential or a token value, and nothing is reported
as a bug.
"""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from support.scripted_server import Recorded, Reply, scripted_server

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client import gitlab_client, transport
from pulumi_gitlab_tokens.client.gitlab_errors import AnswerLost
from pulumi_gitlab_tokens.common.characters import unsafe_character
from pulumi_gitlab_tokens.common.errors import GitLabTokenError
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider
from pulumi_gitlab_tokens.lifecycle.token_endpoints import TokenEndpoints

CREDENTIAL = "Tf4kQ9zLm2WxR7pVb3Nc"  # no prefix: only scrubbing by value can hide it
SELF_TOKEN = "corp-selfrotating-Hy6Dq1Jw8Ks"
INVENTED_TOKEN = "glpat-InventedByTheServer0123456789"
SECRETS = (CREDENTIAL, SELF_TOKEN, INVENTED_TOKEN)
TOKEN = {"id": 7, "name": "ci", "user_id": 9, "scopes": ["api"], "access_level": 30, "active": True,
         "revoked": False, "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-12-31"}

STATUSES = [200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 409, 410, 422, 429,
            500, 502, 503, 504, 520, 599]
BODIES = [
    "token_json", "token_list", "token_with_value", "empty", "html", "html_echo", "huge", "not_json",
    "json_null", "json_number", "json_string", "nested_message", "echo_headers", "echo_headers_text",
    "binary", "message_with_credential_forms", "terminal_escapes",
]
HEADERS = [{}, {"Retry-After": "0"}, {"Retry-After": "3600"}, {"Retry-After": "soon"},
           {"Location": "http://127.0.0.2:9/elsewhere"}, {"Location": "/api/v4/version"},
           {"RateLimit-Reset": "0"}, {"Content-Type": "text/html"}]


def body_for(kind: str, request: Recorded) -> tuple[bytes, str]:
    echoed = {k: v for k, v in request.headers.items()}
    bodies = {
        "token_json": json.dumps(TOKEN),
        "token_list": json.dumps([TOKEN, {**TOKEN, "id": 8}]),
        "token_with_value": json.dumps({**TOKEN, "token": INVENTED_TOKEN}),
        "empty": "",
        "html": "<!DOCTYPE html><html><head><title>Sign in · GitLab</title></head><body>login</body></html>",
        "html_echo": f"<html><title>Error {CREDENTIAL}</title><body>{json.dumps(echoed)}</body></html>",
        "huge": "x" * (transport.MAX_ANSWER_BYTES + 1),
        "not_json": "{\"message\": ",
        "json_null": "null",
        "json_number": "1e999",
        "json_string": json.dumps(f"PRIVATE-TOKEN was {CREDENTIAL}"),
        "nested_message": json.dumps({"message": {"base": [f"bad {INVENTED_TOKEN}"], "n": [1, None]}}),
        "echo_headers": json.dumps({"message": echoed}),
        "echo_headers_text": "\n".join(f"{k}: {v}" for k, v in echoed.items()),
        "binary": "\x00\xff\ufffd" * 50,
        "terminal_escapes": json.dumps({"message": "\x1b[2J\x1b]0;pwned\x07 fake \u202eerror\x00"}),
        "message_with_credential_forms": json.dumps({"error": f"{CREDENTIAL.upper()} {CREDENTIAL[:14]} "
                                                              f"{CREDENTIAL.encode().hex()}"}),
    }
    content_type = "text/html" if kind.startswith("html") else "application/json"
    return bodies[kind].encode("utf-8", "surrogatepass"), content_type


replies = st.tuples(st.sampled_from(STATUSES), st.sampled_from(BODIES), st.sampled_from(HEADERS))

CALLS = {
    "get": lambda api: api.get(7),
    "list_named": lambda api: api.list_named("ci"),
    "create": lambda api: api.create(name="ci", scopes=["api"], access_level=30, expires_at="2026-12-31",
                                     description="d"),
    "rotate": lambda api: api.rotate(7, "2026-12-31"),
    "revoke": lambda api: api.revoke(7),
    "self_information": lambda api: api.self_information(SELF_TOKEN),
    "self_rotate": lambda api: api.self_rotate(SELF_TOKEN, "2026-12-31"),
    "provider_read": lambda api: ProjectAccessTokenProvider().read("acme/app:7", {"project": "acme/app",
                                                                                  "token_id": 7.0}),
    "provider_delete": lambda api: ProjectAccessTokenProvider().delete("acme/app:7", {"project": "acme/app",
                                                                                      "token_id": 7.0}),
}


#: The answer each call succeeds with; a script starts with it in half the examples.
FITTING = {
    "get": (200, "token_json", {}),
    "list_named": (200, "token_list", {}),
    "create": (201, "token_with_value", {}),
    "rotate": (200, "token_with_value", {}),
    "revoke": (204, "empty", {}),
    "self_information": (200, "token_json", {}),
    "self_rotate": (200, "token_with_value", {}),
    "provider_read": (200, "token_json", {}),
    "provider_delete": (204, "empty", {}),
}


def assert_fits(call: str, result: object, last_status: int) -> None:
    """A call that returned got an answer it can stand on: a 2xx of the right shape, or "not there"."""
    if call == "provider_read" and result is not None:
        result = result.id and {"id": int(result.id.rsplit(":", 1)[1]), "name": result.outs["name"],
                                "token": result.outs.get("token")}
    if result is None or result is False or result == {"id": None}:
        gone = {"get": {404}, "revoke": {404}, "self_information": {401}, "provider_read": {404},
                "provider_delete": {404}}[call] | set(range(200, 300))
        assert last_status in gone, (call, result, last_status)
        return
    assert 200 <= last_status < 300, (call, last_status)
    records = result if isinstance(result, list) else [result]
    if call == "self_information":
        # GitLab's view of the token, handed on as answered (any JSON object: the caller reads what it needs).
        assert isinstance(result, dict), result
    elif call != "revoke":
        assert records and all(r["id"] in (7, 8) and r["name"] == "ci" for r in records), result
    if call in ("create", "rotate", "self_rotate"):
        assert result["token"] == INVENTED_TOKEN, "a minted token comes back with its value"


class Script:
    """The replies the server gives, in turn; the last one repeats."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.replies: list[tuple[int, str, dict]] = [(200, "token_json", {})]
        #: The statuses answered, in turn.
        self.served: list[int] = []

    def answer(self, request: Recorded) -> Reply:
        with self.lock:
            status, kind, headers = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
            self.served.append(status)
        body, content_type = body_for(kind, request)
        if status == 204:
            body = b""
        return Reply(status, {"Content-Type": content_type, **headers}, body)


@pytest.fixture(scope="module")
def server():
    """``(url, script)``: the module's one server (its request log is kept empty: it holds the credential)."""
    script = Script()
    with scripted_server("127.0.0.1", script.answer) as running:
        yield running.url, script, running.requests


def assert_clean(message: str) -> None:
    assert "\n" not in message
    assert unsafe_character(message) is None, f"a control or bidi character reaches the CLI: {message!r}"
    assert "This is a bug" not in message, message
    for secret in SECRETS:
        for form in (secret, secret.upper(), secret.encode().hex()):
            for start in range(len(form) - 8):
                assert form[start:start + 9] not in message, f"part of a secret in: {message}"


def test_any_answer_gives_a_result_or_one_clean_line(server, monkeypatch):
    url, scripted, seen = server
    monkeypatch.setattr(transport, "FIRST_BACKOFF_SECONDS", 0.001)  # keep examples fast; the rules are the same
    outcomes: dict[str, int] = {}

    @settings(max_examples=120, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(script=st.lists(replies, min_size=1, max_size=3), call=st.sampled_from(sorted(CALLS)),
           retries=st.sampled_from([0, 1, 2]), starts_fitting=st.booleans())
    # Found by this test before answers were checked for being a token: each raised a bare ValueError/KeyError.
    @example(script=[(200, "token_list", {})], call="rotate", retries=0, starts_fitting=False)
    @example(script=[(200, "json_null", {})], call="self_rotate", retries=0, starts_fitting=False)
    @example(script=[(201, "token_json", {})], call="create", retries=0, starts_fitting=False)
    @example(script=[(200, "token_list", {})], call="provider_read", retries=0, starts_fitting=False)
    @example(script=[(400, "terminal_escapes", {})], call="get", retries=0, starts_fitting=False)
    def call_with(script, call, retries, starts_fitting):
        seen.clear()
        with scripted.lock:
            scripted.replies = ([FITTING[call]] if starts_fitting else []) + list(script)
            scripted.served = []
        gitlab_client.configure(gitlab_client.Settings(base_url=url, token=CREDENTIAL, retries=retries))
        try:
            result = CALLS[call](TokenEndpoints(kinds.PROJECT, "acme/app"))
        except AnswerLost as lost:
            assert call in ("create", "rotate", "self_rotate")
            assert_clean(str(lost))
            outcome = "lost"
        except GitLabTokenError as err:
            assert_clean(str(err))
            assert_clean(err.gitlab_message or "")
            outcome = "error"
        else:
            assert_fits(call, result, scripted.served[-1])
            outcome = "result"
        event(outcome)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    call_with()
    assert outcomes.get("result", 0) >= 20 and outcomes.get("error", 0) >= 20, outcomes

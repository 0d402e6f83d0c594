"""Secrets leave no trace in messages: by value, in every escaped form, before any cut.

Credentials here have no GitLab prefix (a legacy token) or a custom one (GitLab
admins can set the instance's prefix), so only scrubbing by value can hide them.
"""

from __future__ import annotations

import base64
import html
import json
import urllib.parse

import pytest
from support.scripted_server import Recorded, Reply, scripted_server

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.common.errors import GitLabTokenError, register_secret, scrub, shorten
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider
from pulumi_gitlab_tokens.lifecycle.token_endpoints import TokenEndpoints

PREFIXLESS = "Qm3vX8rTb2LpZ7wKc5Nd"  # 20 characters, like a legacy token
CUSTOM_PREFIX = "acmecorp-tok_9fK2/xP+Lq7=Wm3Rz8Vb"  # a custom prefix, and characters escaping changes


def fragments(secret: str, length: int = 8) -> list[str]:
    return [secret[i:i + length] for i in range(len(secret) - length + 1)]


def assert_no_trace(text: str, secret: str) -> None:
    for piece in fragments(secret):
        assert piece not in text, f"{len(piece)} characters of a secret survive in: {text}"


def answering(status: int, body: bytes, content_type: str = "application/json"):
    return lambda _request: Reply(status, {"Content-Type": content_type}, body)


@pytest.mark.parametrize("credential", [PREFIXLESS, CUSTOM_PREFIX])
def test_a_credential_at_the_end_of_a_long_message_is_scrubbed_before_the_cut(credential):
    body = json.dumps({"message": "a" * 281 + credential}).encode()
    with scripted_server("127.0.0.1", answering(400, body)) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=credential))
        with pytest.raises(GitLabTokenError, match="GitLab answered 400 Bad Request on GET") as raised:
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
    assert_no_trace(str(raised.value), credential)
    assert_no_trace(raised.value.gitlab_message or "", credential)
    assert "[REDACTED" in str(raised.value)  # the cut fell after the marker began: nothing of the value


@pytest.mark.parametrize("form", [
    "raw", "url", "url_plus", "url_twice", "json", "json_slash", "html", "upper", "base64", "hex", "repr_newline",
])
def test_every_escaped_form_of_the_credential_is_scrubbed(form):
    credential = CUSTOM_PREFIX
    register_secret(credential)
    shown = {
        "raw": credential,
        "url": urllib.parse.quote(credential, safe=""),
        "url_plus": urllib.parse.quote_plus(credential),
        "url_twice": urllib.parse.quote(urllib.parse.quote(credential, safe=""), safe=""),
        "json": json.dumps(credential)[1:-1],
        "json_slash": json.dumps(credential)[1:-1].replace("/", "\\/"),
        "html": html.escape(credential),
        "upper": credential.upper(),
        "base64": base64.b64encode(credential.encode()).decode(),
        "hex": credential.encode().hex(),
        "repr_newline": repr(credential + "\n")[1:-1],
    }[form]
    text = scrub(f"GitLab said: token={shown}; bye")
    assert shown not in text and "[REDACTED]" in text
    assert text.startswith("GitLab said: token=") and text.endswith("; bye")


def test_a_fragment_cut_somewhere_else_is_scrubbed_and_ordinary_words_are_kept():
    register_secret(PREFIXLESS)
    text = scrub(f"proxy truncated: {PREFIXLESS[:13]}, global-infrastructure and acme/app stay")
    assert PREFIXLESS[:13] not in text
    assert "global-infrastructure and acme/app stay" in text


def test_shorten_scrubs_first_then_cuts():
    register_secret(PREFIXLESS)
    cut = shorten("a" * 281 + PREFIXLESS, 300)
    assert len(cut) <= 300
    assert_no_trace(cut, PREFIXLESS)


def test_token_values_minted_in_this_process_are_scrubbed_from_later_messages():
    minted = "corp_minted_Hc4nW9sPq2Rt6Yv8"
    answers = iter([
        Reply(201, {"Content-Type": "application/json"}, json.dumps({
            "id": 7, "name": "ci", "user_id": 9, "token": minted, "scopes": ["api"], "access_level": 30,
            "active": True, "revoked": False, "expires_at": "2026-12-31"}).encode()),
        Reply(400, {"Content-Type": "application/json"},
              json.dumps({"message": f"conflict with {urllib.parse.quote(minted)}"}).encode()),
    ])
    with scripted_server("127.0.0.1", lambda _r: next(answers)) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=PREFIXLESS))
        api = TokenEndpoints(kinds.PROJECT, "acme/app")
        assert api.create(name="ci", scopes=["api"], access_level=30, expires_at="2026-12-31",
                          description=None)["token"] == minted
        with pytest.raises(GitLabTokenError, match=r"conflict with \[REDACTED\]") as raised:
            api.get(7)
    assert_no_trace(str(raised.value), minted)


def test_token_values_the_engine_hands_back_are_scrubbed_from_that_operation():
    from_state = "legacyStateToken77Kd9Pq"
    body = json.dumps({"message": f"cannot delete {from_state}"}).encode()

    def answer(_request: Recorded) -> Reply:
        return Reply(400, {"Content-Type": "application/json"}, body)

    with scripted_server("127.0.0.1", answer) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=PREFIXLESS))
        with pytest.raises(GitLabTokenError, match=r"cannot delete \[REDACTED\]") as raised:
            ProjectAccessTokenProvider().delete("acme/app:7", {"project": "acme/app", "token_id": 7.0,
                                                                "token": from_state, "name": "ci"})
    assert_no_trace(str(raised.value), from_state)
    assert "cannot delete [REDACTED]" in str(raised.value)


def test_an_html_error_page_is_named_not_dumped():
    page = f"<html><head><title>502 Bad Gateway</title></head><body>{PREFIXLESS}</body></html>".encode()
    with scripted_server("127.0.0.1", answering(502, page, "text/html")) as gitlab:
        gitlab_client.configure(gitlab_client.Settings(base_url=gitlab.url, token=PREFIXLESS, retries=0))
        with pytest.raises(GitLabTokenError, match="an HTML page titled '502 Bad Gateway'") as raised:
            TokenEndpoints(kinds.PROJECT, "acme/app").get(7)
    assert "an HTML page titled '502 Bad Gateway', not GitLab's API" in str(raised.value)
    assert "<body>" not in str(raised.value)

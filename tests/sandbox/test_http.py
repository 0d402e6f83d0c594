"""HTTP framing: what the sandbox does with requests it cannot read as sent."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from support.sandbox import Sandbox


def raw_post(sb: Sandbox, content_length: str, body: bytes = b"{}") -> tuple[int, dict[str, str], object]:
    """POST /api/v4/projects with a hand-written Content-Length; fails on a hang instead of waiting."""
    url = urlsplit(sb.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(f"POST /api/v4/projects HTTP/1.1\r\nHost: {url.netloc}\r\nPRIVATE-TOKEN: {sb.admin_token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n".encode() + body)
        response = http.client.HTTPResponse(conn)
        response.begin()
        return response.status, dict(response.getheaders()), json.loads(response.read())


@pytest.mark.parametrize("content_length", ["-1", "abc", "+2", "0x10", "²"])
def test_a_malformed_content_length_is_a_400_without_python_text(sb: Sandbox, content_length: str) -> None:
    status, headers, body = raw_post(sb, content_length)
    assert status == 400 and isinstance(body, dict) and list(body) == ["error"]
    assert "int()" not in body["error"] and "literal" not in body["error"]
    # The body's extent is unknown, so the connection cannot carry another request.
    assert headers.get("Connection") == "close"


def test_bodies_over_10_mb_are_413(sb: Sandbox) -> None:
    # Declared but not sent: the sandbox must not wait for (or buffer) it.
    status, _, body = raw_post(sb, str(10 * 1024 * 1024 + 1), b"")
    assert (status, body) == (413, {"message": "413 Request Entity Too Large"})
    # Actually sent: the client still gets to read the answer.
    status, _, body = sb.request("POST", "/api/v4/projects", {"name": "x" * (11 * 1024 * 1024)})
    assert (status, body) == (413, {"message": "413 Request Entity Too Large"})
    # And the server is fine afterwards.
    assert sb.request("GET", "/api/v4/version")[0] == 200


#: Grape's Grape::Exceptions::InvalidMessageBody text for a JSON content type.
GRAPE_INVALID_JSON = ("\nProblem:\n  message body does not match declared format\nResolution:\n  when specifying "
                      "application/json as content-type, you must pass valid application/json in the request's "
                      "'body' ")


def post_json_text(sb: Sandbox, path: str, text: bytes) -> tuple[int, object]:
    """POST ``text`` verbatim as ``application/json`` to ``/api/v4{path}`` as the admin."""
    url = urlsplit(sb.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("POST", "/api/v4" + path, body=text,
                           headers={"Content-Type": "application/json", "PRIVATE-TOKEN": sb.admin_token})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("text", [b"[]", b"null", b'"api"', b"42", b'[{"name": "x"}]'])
def test_a_json_body_that_is_not_an_object_is_ignored(sb: Sandbox, text: bytes) -> None:
    # Grape merges only a Hash into the params; any other JSON value leaves them as they were.
    group = sb.create_group("acme")
    assert post_json_text(sb, f"/groups/{group['id']}/access_tokens", text) == (
        400, {"error": "name is missing, scopes is missing"})


def test_malformed_json_gets_grapes_invalid_message_body_text(sb: Sandbox) -> None:
    assert post_json_text(sb, "/projects", b'{"name": ') == (400, {"error": GRAPE_INVALID_JSON})

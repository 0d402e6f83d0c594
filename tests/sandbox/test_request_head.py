"""The fast path for plain request heads leaves the handler exactly as ``http.server`` would.

Every request is parsed twice, by a handler with :class:`FastRequestHead` and
by plain ``BaseHTTPRequestHandler``; the outcome (accepted or the error
sent), command, path, version, persistence, the header message (headers,
payload, defects) and what is left unread must all be the same, for plain
heads and for every kind of odd one, arriving whole or in pieces.
"""

from __future__ import annotations

import io
from email.message import Message
from http.server import BaseHTTPRequestHandler

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from gitlab_token_sandbox.request_head import FastRequestHead, read_plain_head


class _Trickle(io.RawIOBase):
    """A socket-like stream that hands out at most ``chunk`` bytes per read."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._data, self._chunk = data, chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        size = min(self._chunk, len(buffer))
        piece, self._data = self._data[:size], self._data[size:]
        buffer[:len(piece)] = piece
        return len(piece)


class _Plain(BaseHTTPRequestHandler):
    """A handler without a socket: reads ``data``, writes into memory."""

    protocol_version = "HTTP/1.1"

    def __init__(self, data: bytes, chunk: int) -> None:  # noqa: super().__init__ would serve a socket
        self.rfile = io.BufferedReader(_Trickle(data, chunk))
        self.wfile = io.BytesIO()
        self.client_address = ("127.0.0.1", 0)
        self.raw_requestline = self.rfile.readline(65537)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return "a fixed date"


class _Fast(FastRequestHead, _Plain):
    pass


def _state(message: Message) -> dict:
    """Everything the message holds; parts and defects (equal only by identity) by their own state."""
    state = dict(message.__dict__)
    state["defects"] = [(type(defect), str(defect)) for defect in message.defects]
    if isinstance(message._payload, list):
        state["_payload"] = [_state(part) for part in message._payload]
    return state


def _outcome(handler: _Plain) -> dict:
    accepted = handler.parse_request()
    seen = {"accepted": accepted, "command": handler.command, "version": handler.request_version,
            "close": handler.close_connection, "requestline": getattr(handler, "requestline", None),
            "sent": handler.wfile.getvalue(), "left": handler.rfile.read()}
    if accepted:
        seen.update(path=handler.path, headers=_state(handler.headers))
    return seen


def _same(data: bytes, chunk: int = 1 << 16) -> None:
    assert _outcome(_Fast(data, chunk)) == _outcome(_Plain(data, chunk))


NAMES = st.sampled_from(["Host", "PRIVATE-TOKEN", "Accept", "User-Agent", "Content-Type", "Content-Length",
                         "Connection", "Expect", "X-Odd_Name.1", "Sudo", "From", "Authorization"])
VALUES = st.sampled_from(["", "x", " spaced ", "\tTabbed", "keep-alive", "close", "CLOSE", "100-continue",
                          "application/json", "multipart/form-data; boundary=x", "message/rfc822", "Text/Plain",
                          "glpat-abc", "caf\xe9", "a\rb", "a\x0bb", "a\x85b", "a\x00b", "trailing  "])
ODD_LINES = st.sampled_from([" folded continuation", "\tfolded", "no colon here", ": empty name", "From nobody",
                             "Bad Name: x", "x:y:z", "Name:", "Na\xefve: x"])


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET", "POST", "DELETE", "HEAD", "get", "BREW", "G\xe9T"]))
    path = draw(st.sampled_from(["/api/v4/projects/1/access_tokens/2", "/", "//evil", "/a?b=c d", "relative",
                                 "/caf\xe9", "/x%2Fy"]))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "HTTP/01.1", "HTTPS/1.1"]))
    words = [method, path] + ([] if draw(st.integers(0, 12)) == 0 else [version])
    line = draw(st.sampled_from([" ", "  ", "\t"])).join(words) + draw(st.sampled_from(["\r\n", "\n"]))
    headers = draw(st.lists(st.one_of(st.builds(lambda n, v: f"{n}: {v}", NAMES, VALUES),
                                      st.builds(lambda n, v: f"{n}:{v}", NAMES, VALUES), ODD_LINES), max_size=7))
    ending = draw(st.sampled_from(["\r\n", "\n"]))
    head = "".join(h + ending for h in headers) + draw(st.sampled_from(["\r\n", "\n", ""]))
    body = draw(st.sampled_from(["", "{}", "GET / HTTP/1.1\r\n\r\n"]))
    return (line + head + body).encode("latin-1")


@settings(max_examples=2000, deadline=None)
@given(data=requests(), chunk=st.sampled_from([1, 7, 64, 1 << 16]))
def test_any_head_is_parsed_as_http_server_parses_it(data: bytes, chunk: int) -> None:
    _same(data, chunk)


def test_a_client_like_head_takes_the_fast_path() -> None:
    request = (b"GET /api/v4/projects/1/access_tokens/2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
               b"User-Agent: python-gitlab/5.6.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
               b"Connection: keep-alive\r\nPRIVATE-TOKEN: glpat-x\r\n\r\n")
    line, rest = request.split(b"\r\n", 1)
    head = read_plain_head(line + b"\r\n", rest)
    assert head is not None and head.length == len(rest) and head.headers[-1] == ("PRIVATE-TOKEN", "glpat-x")
    _same(request)


@pytest.mark.parametrize("header", ["Connection: close", "Connection: CLOSE", "Connection: keep-alive",
                                    "Connection:close", "Expect: 100-continue", "EXPECT: 100-Continue",
                                    "Content-Type: Multipart/form-data; boundary=b", "Content-Type: message/rfc822",
                                    "Content-Type: application/json", "X:   spaced value  "])
def test_headers_that_steer_http_server_are_honoured(header: str) -> None:
    _same(f"POST /api/v4/projects HTTP/1.1\r\nHost: h\r\n{header}\r\nContent-Length: 2\r\n\r\n{{}}".encode())


def test_header_count_and_line_limits_are_http_servers() -> None:
    for count in (98, 99, 100, 101):
        _same(b"GET / HTTP/1.1\r\n" + b"X-N: 1\r\n" * count + b"\r\n")
    for length in (65533, 65534, 65535):
        _same(b"GET / HTTP/1.1\r\nX: " + b"v" * (length - 3) + b"\r\n\r\n")

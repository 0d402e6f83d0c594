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
from hypothesis import event, given, settings
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
        self.took_standard_path = False

    def parse_request(self) -> bool:
        self.took_standard_path = True  # FastRequestHead hands what it does not take to here
        return super().parse_request()

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


#: Header values a plain head may carry (printable ASCII and tabs), steering ones included.
PLAIN_VALUES = st.sampled_from(["", "x", " spaced ", "\tTabbed", "keep-alive", "close", "CLOSE", "Close",
                                "application/json", "Text/Plain", "glpat-abc", "trailing  ", "a:b", "  "])


@st.composite
def plain_requests(draw: st.DrawFn) -> bytes:
    """Heads of the shape the fast path takes: ``METHOD /path HTTP/1.1``, ``Name: value`` lines, CRLF."""
    method = draw(st.sampled_from(["GET", "POST", "DELETE", "PUT", "get", "BREW"]))
    path = draw(st.sampled_from(["/api/v4/projects/1/access_tokens/2", "/", "/x%2Fy", "/a?b=c", "/a/", "/-/x"]))
    headers = draw(st.lists(st.builds(lambda n, sep, v: f"{n}:{sep}{v}", NAMES.filter(lambda n: n != "Expect"),
                                      st.sampled_from([" ", "", "\t", "  "]), PLAIN_VALUES), max_size=7))
    body = draw(st.sampled_from(["", "{}", "GET / HTTP/1.1\r\n\r\n"]))
    head = "".join(h + "\r\n" for h in headers) + "\r\n"
    return f"{method} {path} HTTP/1.1\r\n{head}{body}".encode("ascii")


#: Whole heads (one read holds everything) half the time, heads trickling in pieces the other half.
CHUNKS = st.just(1 << 16) | st.sampled_from([1, 7, 64])


def test_any_head_is_parsed_as_http_server_parses_it() -> None:
    """Plain heads (the fast path) and every kind of odd one (the standard library's path) alike.

    Each example is counted by the path it takes, and both paths must be taken
    often: a comparison that never reaches the fast path proves nothing about it.
    """
    taken = {"fast": 0, "standard": 0}

    @settings(max_examples=2000, deadline=None, derandomize=True)
    @given(data=plain_requests() | requests(), chunk=CHUNKS)
    def compare(data: bytes, chunk: int) -> None:
        fast = _Fast(data, chunk)
        assert _outcome(fast) == _outcome(_Plain(data, chunk))
        path = "standard" if fast.took_standard_path else "fast"
        event(f"{path} path")
        taken[path] += 1

    compare()
    assert taken["fast"] >= 400 and taken["standard"] >= 400, taken


def test_a_client_like_head_takes_the_fast_path() -> None:
    request = (b"GET /api/v4/projects/1/access_tokens/2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
               b"User-Agent: python-gitlab/5.6.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
               b"Connection: keep-alive\r\nPRIVATE-TOKEN: glpat-x\r\n\r\n")
    line, rest = request.split(b"\r\n", 1)
    head = read_plain_head(line + b"\r\n", rest)
    assert head is not None and head.length == len(rest) and head.headers[-1] == ("PRIVATE-TOKEN", "glpat-x")
    handler = _Fast(request, 1 << 16)
    assert handler.parse_request() and not handler.took_standard_path
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

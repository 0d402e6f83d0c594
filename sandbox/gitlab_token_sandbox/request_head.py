"""A fast path for reading the request line and headers of plain HTTP/1.1 requests.

``http.server`` parses every request's headers with the ``email`` package's
feed parser, a general MIME parser: a good fifth of the sandbox's CPU per
keep-alive API call. A benchmark runs the sandbox on the same cores as the
client it measures, so that time is charged to the client.

Almost every request is plain: ``METHOD /path HTTP/1.1``, then ``Name: value``
lines of printable ASCII, all already in the read buffer. For those,
:class:`FastRequestHead` builds exactly the state ``http.server`` would
(command, path, version, connection persistence, and a message whose headers,
payload and defects are what the ``email`` parser gives). Anything else
(another version, folded or odd header lines, ``Expect``, MIME container
types, a head not yet fully received, limits reached) goes to
``BaseHTTPRequestHandler.parse_request`` unchanged, with its own errors and limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

#: ``METHOD /path HTTP/1.1``: one space apart, printable ASCII, a path not starting with ``//``
#: (which ``http.server`` rewrites).
_REQUEST_LINE = re.compile(rb"([!-~]+) (/(?!/)[!-~]*|/) HTTP/1\.1\r\n")

#: ``Name: value`` as the ``email`` parser reads a header (name: printable ASCII but ``:``), with a
#: value of printable ASCII and tabs only: no line breaks of any kind, nothing to decode.
_HEADER_LINE = re.compile(rb"([!-9;-~]+):[ \t]*([\t -~]*)")

#: ``http.client``'s limits on header lines: beyond them ``http.server`` answers 431.
_MAX_LINE = 65536
_MAX_HEADER_LINES = 100

#: ``Expect`` makes ``http.server`` answer ``100 Continue``; a MIME container type makes the ``email``
#: parser look for parts: both are left to the standard library.
_EXPECT = b"expect"
_CONTENT_TYPE = b"content-type"
_CONTAINER_TYPES = (b"multipart", b"message")


@dataclass(frozen=True)
class PlainHead:
    """A plain request's line and headers, and how many buffered bytes the headers took."""

    command: str
    path: str
    headers: list[tuple[str, str]]
    length: int


def read_plain_head(request_line: bytes, buffered: bytes) -> PlainHead | None:
    """The head of a plain request whose headers are all in ``buffered``; None for anything else."""
    line = _REQUEST_LINE.fullmatch(request_line)
    if line is None:
        return None
    if buffered.startswith(b"\r\n"):
        return PlainHead(line[1].decode("ascii"), line[2].decode("ascii"), [], 2)
    end = buffered.find(b"\r\n\r\n")
    if end < 0:
        return None  # not all here yet: let http.server read (and time) the rest
    lines = buffered[:end].split(b"\r\n")
    # http.client counts the blank line too, and refuses a line longer than the limit with its line break.
    if len(lines) + 1 > _MAX_HEADER_LINES:
        return None
    headers = []
    for text in lines:
        header = _HEADER_LINE.fullmatch(text)
        if header is None or len(text) + 2 > _MAX_LINE:
            return None
        name = header[1].lower()
        if name == _EXPECT or (name == _CONTENT_TYPE and any(kind in header[2].lower() for kind in _CONTAINER_TYPES)):
            return None
        headers.append((header[1].decode("ascii"), header[2].decode("ascii")))
    return PlainHead(line[1].decode("ascii"), line[2].decode("ascii"), headers, end + 4)


class FastRequestHead(BaseHTTPRequestHandler):
    """``parse_request`` with the fast path for plain requests (mix in before the handler class)."""

    def parse_request(self) -> bool:
        if self.protocol_version != "HTTP/1.1":
            return super().parse_request()
        head = read_plain_head(self.raw_requestline, self.rfile.peek(1))  # type: ignore[attr-defined]
        if head is None:
            return super().parse_request()
        self.rfile.read(head.length)
        self.requestline = self.raw_requestline.decode("ascii").rstrip("\r\n")
        self.command, self.path, self.request_version = head.command, head.path, "HTTP/1.1"
        self.headers = self.MessageClass()
        for name, value in head.headers:
            self.headers.set_raw(name, value)
        self.headers.set_payload("")  # what the email parser leaves for a head without a body
        # As http.server: an HTTP/1.1 connection persists unless the client asks to close it.
        self.close_connection = self.headers.get("Connection", "").lower() == "close"
        return True

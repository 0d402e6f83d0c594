"""The request and response values handlers work with, free of socket details."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Mapping


@dataclass
class Request:
    """One parsed HTTP request.

    ``path`` is the raw (still percent-encoded) path without the query string,
    because GitLab's ``:id`` may itself be an encoded path (``group%2Fproj``).
    ``params`` merges query and body parameters the way Grape does (body wins).
    """

    method: str
    path: str
    query_string: str
    query: dict[str, Any]
    params: dict[str, Any]
    headers: Message
    client_ip: str

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if value else None


@dataclass
class Response:
    """What a handler answers; the server writes it to the socket."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> "Response":
        return cls(status, json.dumps(payload).encode(), "application/json", dict(headers or {}))

    @classmethod
    def no_content(cls) -> "Response":
        return cls(204, b"", None)

    @classmethod
    def text(cls, status: int, text: str, headers: Mapping[str, str] | None = None) -> "Response":
        return cls(status, text.encode(), "text/plain", dict(headers or {}))

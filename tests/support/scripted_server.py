"""A tiny HTTP server whose answers a test scripts, recording every request it gets.

    def answer(request: Recorded) -> Reply:
        return Reply(302, {"Location": "http://127.0.0.2:8080/api/v4/version"})

    with scripted_server("127.0.0.1", answer) as server:
        ...  # point a client at server.url; server.requests lists what arrived

For behaviour no real GitLab (nor the sandbox) shows on demand: redirects,
answers from another host, odd bodies. It binds any loopback address, so two
servers on 127.0.0.1 and 127.0.0.2 are two different hosts to a client.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived: method, raw path, headers and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What to answer: status, headers and body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class ScriptedServer:
    url: str
    requests: list[Recorded]

    def seen_text(self) -> str:
        """Everything that arrived (paths, header values, bodies) as one string, for leak checks."""
        parts = []
        for request in self.requests:
            parts.append(request.path)
            parts.extend(f"{k}: {v}" for k, v in request.headers.items())
            parts.append(request.body.decode("utf-8", "replace"))
        return "\n".join(parts)


@contextlib.contextmanager
def scripted_server(host: str, answer: Callable[[Recorded], Reply]) -> Iterator[ScriptedServer]:
    """Serve ``answer`` on ``host`` (a free port) until the block ends."""
    recorded: list[Recorded] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Recorded(self.command, self.path, dict(self.headers.items()), body)
            with lock:
                recorded.append(request)
            reply = answer(request)
            self.send_response(reply.status)
            headers = {"Content-Length": str(len(reply.body)), **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = do_PATCH = _handle

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that hangs up mid-answer (a refused huge body) is expected here

    server = Server((host, 0), Handler)
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for it, and tests start many servers.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield ScriptedServer(f"http://{host}:{server.server_address[1]}", recorded)
    finally:
        server.shutdown()
        server.server_close()

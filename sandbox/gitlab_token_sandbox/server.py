"""HTTP plumbing: parse requests, route them, apply faults, count, log, answer.

:class:`SandboxServer` owns the listening socket and the shared
:class:`~.context.Context`. Connections are served by a fixed pool of worker
threads with a deadline on every request (:mod:`.pool`); all state changes go
through the store's lock, so threads never see half-made tokens.

Request flow for ``/api/v4``: count -> rate limit -> injected faults ->
authenticate -> handler (one transaction) -> maybe drop the connection.
The request log has one line per request: method, path (no query string),
status, duration. Header values and tokens are never logged.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import socket
import socketserver
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qsl

from . import auth, controls, errors, models, urls
from .clock import SandboxClock
from .config import SandboxConfig
from .context import Call, Context
from .pool import DeadlineReader, WorkerPool
from .request_head import FastRequestHead
from .seed import seed
from .store import ROOT_USER_ID, Store
from .tokens import digest, new_admin_token
from .web import Request, Response

log = logging.getLogger("gitlab_token_sandbox")

#: Scopes of the command-line admin token.
ADMIN_SCOPES = ["api", "read_api", "read_user", "read_repository", "write_repository", "sudo", "admin_mode"]

#: Larger bodies get 413 unread: no token request comes near this, and it bounds memory per request.
MAX_BODY_BYTES = 10 * 1024 * 1024

#: How long a connection closed because of a refused body keeps reading (and discarding) what the
#: client still sends: closing with unread data resets the connection, and the client would lose the answer.
LINGER_SECONDS = 1.0

_CONTENT_LENGTH = re.compile(r"[0-9]+")

#: Grape::Exceptions::InvalidMessageBody's text for a JSON body that does not parse (trailing space included).
INVALID_JSON_BODY = ("\nProblem:\n  message body does not match declared format\nResolution:\n  when specifying "
                     "application/json as content-type, you must pass valid application/json in the request's "
                     "'body' ")


class Unreadable(Exception):
    """A request whose body cannot be read as framed; answered, then the connection is closed.

    After a bad or refused ``Content-Length`` the rest of the stream cannot be
    trusted to start a new request, so the connection must not be reused.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Outcome:
    """A response to send, or ``drop=True`` to close the socket without answering."""

    response: Response | None
    drop: bool = False


def parse_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Rack-style form/query decoding: ``scopes[]=a&scopes[]=b`` becomes a list.

    A plain ``scopes=a`` stays a string (Grape then calls an array parameter
    invalid). ``scopes=a&scopes[]=b`` is Rack's ``ParameterTypeError``: 400.
    """
    params: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("[]"):
            items = params.setdefault(key[:-2], [])
            if not isinstance(items, list):
                raise ValueError(f"expected Array (got String) for param `{key[:-2]}'")
            items.append(value)
        else:
            params[key] = value
    return params


class SandboxServer:
    """The sandbox: a listening socket plus the state behind it."""

    def __init__(self, config: SandboxConfig, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        if config.data_dir is not None:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        self.ctx = Context(config=config, store=Store(config.database),
                           clock=SandboxClock.from_environment(dict(environ)))
        self.admin_token = self._bootstrap_admin(config.admin_token)
        with self.ctx.store.transaction():
            for full_path in config.seeds:
                seed(self.ctx, full_path)
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        self.httpd = _HTTPServer((config.host, config.port), _RequestHandler, self, family)
        port = self.httpd.server_address[1]
        # A wildcard bind is reachable locally through loopback; that is what gets printed.
        shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(config.host, config.host)
        shown = f"[{shown}]" if ":" in shown else shown
        self.base_url = f"http://{shown}:{port}"
        self.ctx.base_url = self.base_url
        self._thread: threading.Thread | None = None
        self._in_flight = 0
        self._idle = threading.Condition()

    def _bootstrap_admin(self, given: str | None) -> str:
        """Make sure ``root`` exists and holds the admin token we will print."""
        value = given or new_admin_token()
        with self.ctx.store.transaction() as store:
            store.ensure_root(self.ctx.now_text())
            if store.token_by_digest(digest(value)) is None:
                store.create_token(user_id=ROOT_USER_ID, name="sandbox-admin", description=None,
                                   scopes=ADMIN_SCOPES, digest=digest(value), created_at=self.ctx.now_text(),
                                   expires_at=None, sandbox_admin=True)
        return value

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Serve in a background thread; returns once the socket accepts connections."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox-http", daemon=True)
        self._thread.start()

    def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop accepting, let in-flight requests finish (up to ``grace_seconds``), close the database."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.pool.stop(grace_seconds)
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace_seconds)
        self.ctx.store.close()

    # --- request handling ------------------------------------------------------------

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Count one request as in flight until its answer is written, so ``stop`` waits for it."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def handle(self, request: Request) -> Outcome:
        if request.path.startswith(controls.PREFIX):
            return Outcome(controls.handle(self.ctx, request))
        if not request.path.startswith("/api/v4/"):
            return Outcome(errors.to_response(errors.route_not_found()))
        return self._handle_api(request)

    def _handle_api(self, request: Request) -> Outcome:
        ctx = self.ctx
        ctx.config.latency.wait()  # the network's share of every answer, throttled or not (see .latency)
        found = urls.find_route(request.method, request.path)
        route, path_params = found if found else (None, {})
        ctx.counters.record(route.key if route else f"{request.method} (no route)")
        secret = auth.credential(request)
        throttled = ctx.rate_limiter.check(digest(secret) if secret else request.client_ip, secret is not None)
        if throttled is not None:
            return Outcome(throttled)
        fault = ctx.faults.before(request.method)
        if fault.delay:
            time.sleep(fault.delay)
        if fault.response is not None:
            return Outcome(fault.response)
        if route is None:
            return Outcome(errors.to_response(errors.route_not_found()))
        try:
            with ctx.store.transaction():
                models.delete_inactive_families(ctx)
            user, token = auth.authenticate(ctx, request, route.scopes)
            with ctx.store.transaction(), models.api_writes_keep_sweep(ctx):
                response = route.handler(ctx, Call(request, path_params, user, token))
        except errors.ApiError as error:
            response = errors.to_response(error)
        except Exception:  # noqa: BLE001 - a sandbox bug must still answer like GitLab would
            log.error("internal error on %s %s\n%s", request.method, route.template, traceback.format_exc())
            response = errors.to_response(errors.internal_error())
        held = ctx.faults.drop_after(route.operation) if 200 <= response.status < 300 else None
        if held is not None:
            time.sleep(held)
            return Outcome(None, drop=True)
        return Outcome(response)


class _HTTPServer(socketserver.TCPServer):
    """Accepts connections and hands them to the worker pool (or refuses them with 503)."""

    # 50 clients connecting at once must not overflow the listen backlog.
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, app: SandboxServer, family: int) -> None:
        self.address_family = family
        self.app = app
        super().__init__(address, handler)
        self.limits = app.ctx.config.limits
        self.pool = WorkerPool(self.limits, self._serve_connection, self._refused)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(request, client_address)

    def _serve_connection(self, request: socket.socket, client_address: tuple) -> None:
        try:
            self.finish_request(request, client_address)
        except OSError as problem:  # the client went away mid-answer: its business, not a sandbox fault
            log.info("connection from %s ended early: %s", client_address[0], type(problem).__name__)
        except Exception:  # noqa: BLE001 - one broken connection must not take a worker down
            log.error("connection from %s failed\n%s", client_address[0], traceback.format_exc())
        finally:
            self.shutdown_request(request)

    def _refused(self, client_address: tuple) -> None:
        log.info("refused a connection from %s with 503: %d workers busy and %d connections waiting",
                 client_address[0], self.limits.workers, self.limits.max_waiting)


class _RequestHandler(FastRequestHead):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    # Reads are timed by DeadlineReader (idle wait, whole-request deadline), not by one socket timeout.
    timeout = None
    # Headers and body go out in one write (the buffer is flushed after each request): one system call
    # per answer instead of two. Nagle stays off for answers larger than the buffer.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self._reader = DeadlineReader(self.connection, self.server.limits, self.server.pool.others_waiting,
                                      self.server.pool.doorbell)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        finally:
            self._reader.next_request()

    def version_string(self) -> str:
        return f"GitLabSandbox/{self.server.app.ctx.config.profile.version}"

    #: The last ``Date`` value made, with its second: every answer carries one, and it changes once a second.
    _date: tuple[int, str] = (0, "")

    def date_time_string(self, timestamp: float | None = None) -> str:
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        made = _RequestHandler._date  # one tuple, read and replaced whole: no lock needed between workers
        if made[0] != second:
            made = (second, super().date_time_string(second))
            _RequestHandler._date = made
        return made[1]

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _serve(self) -> None:
        # In flight until the answer is on the wire: a shutdown must not cut it off.
        with self.server.app.serving():
            self._serve_one()

    def _serve_one(self) -> None:
        started = time.monotonic()
        path, _, query_string = self.path.partition("?")
        unreadable = False
        try:
            request = self._parse(path, query_string)
        except Unreadable as refused:
            unreadable = True
            refused.response.headers["Connection"] = "close"  # send_header also sets close_connection
            outcome = Outcome(refused.response)
        except ValueError as problem:
            outcome = Outcome(Response.json(400, {"error": str(problem)}))
        else:
            outcome = self.server.app.handle(request)
        status = "dropped" if outcome.drop else str(outcome.response.status if outcome.response else "-")
        # Logged before answering: a client's next request cannot then be logged ahead of this one.
        log.info("%s %s %s %.1fms", self.command, path, status, (time.monotonic() - started) * 1000)
        if outcome.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            assert outcome.response is not None
            self._write(outcome.response)
            if unreadable:
                self._linger()

    def _content_length(self) -> int:
        """The declared body size: absent is 0; anything but ASCII digits, or too large, is refused."""
        declared = (self.headers.get("Content-Length") or "0").strip()
        if not _CONTENT_LENGTH.fullmatch(declared):
            raise Unreadable(Response.json(400, {"error": "Content-Length is invalid"}))
        length = int(declared)
        if length > MAX_BODY_BYTES:
            raise Unreadable(Response.json(413, {"message": "413 Request Entity Too Large"}))
        return length

    def _linger(self) -> None:
        """Half-close, then discard what the client still sends for a moment, so it can read the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass

    def _parse(self, path: str, query_string: str) -> Request:
        length = self._content_length()
        raw = self.rfile.read(length) if length else b""
        query = parse_params(parse_qsl(query_string, keep_blank_values=True))
        body: dict[str, Any] = {}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if raw and content_type == "application/json":
            try:
                decoded = json.loads(raw)
            except ValueError:
                raise ValueError(INVALID_JSON_BODY) from None
            # Grape merges only a Hash into the params; an array, null or scalar body is left aside.
            if isinstance(decoded, dict):
                body = decoded
        elif raw and content_type in ("application/x-www-form-urlencoded", ""):
            body = parse_params(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return Request(method=self.command, path=path, query_string=query_string, query=query,
                       params={**query, **body}, headers=self.headers, client_ip=self.client_address[0])

    def _write(self, response: Response) -> None:
        # A client that does not read its answer holds the worker no longer than it may take to send a request.
        self.connection.settimeout(self.server.limits.request_timeout)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Request-Id", secrets.token_hex(13))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    # BaseHTTPRequestHandler logs the request line, which may carry a private_token query parameter.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        if format.startswith("Request timed out"):
            log.info("closed a connection from %s: its request did not arrive within %gs", self.client_address[0],
                     self.server.limits.request_timeout)
            return
        log.info("%s malformed request from %s", getattr(self, "command", None) or "-", self.client_address[0])

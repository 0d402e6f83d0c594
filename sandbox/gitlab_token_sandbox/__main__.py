"""``python -m gitlab_token_sandbox``: run the GitLab sandbox.

On start it prints exactly two lines on stdout, then flushes::

    GITLAB_BASE_URL=http://127.0.0.1:<port>
    GITLAB_TOKEN=<admin token>

so a script can ``eval``/``source`` them or parse ``KEY=value``. Request logs
go to stderr (or ``--log-file``). SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from .config import SandboxConfig
from .latency import AnswerLatency
from .pool import ServingLimits
from .profiles import DEFAULT_VERSION, PROFILES
from .rules import INACTIVE_TOKEN_RETENTION_DAYS, MAX_LIFETIME_DAYS
from .seed import seed_problem
from .server import SandboxServer


def parse_args(argv: list[str] | None = None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m gitlab_token_sandbox",
        description="A local GitLab server for project and group access tokens (REST API v4 subset).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--admin-token", help="token of the admin user root; generated when omitted")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="keep state in DIR/sandbox.sqlite3 across restarts (default: in memory)")
    parser.add_argument("--max-lifetime-days", type=int, default=MAX_LIFETIME_DAYS,
                        help="longest token lifetime accepted, and the default when expires_at is omitted "
                             "(default: %(default)s, GitLab's limit)")
    parser.add_argument("--log-file", type=Path, help="write the request log here instead of stderr")
    parser.add_argument("--external-url", metavar="URL",
                        help="the URL clients reach the sandbox at, used in Link headers and web_url "
                             "(GitLab's external_url; default: the printed URL, or the request's Host "
                             "header when --host is a wildcard address)")
    parser.add_argument("--seed", action="append", default=[], metavar="GROUP/PROJECT",
                        help="create this project and its groups at start-up, owned by root; repeatable "
                             "(e.g. --seed acme/app --seed acme/platform/api)")
    parser.add_argument("--gitlab-version", choices=list(PROFILES), default=DEFAULT_VERSION,
                        help="the GitLab version to imitate where versions differ (default: %(default)s, the newest): "
                             "18.1 stands for GitLab 17.9-18.6, 18.11 for 18.11, 19.2 for 19.2 and later; docs/sandbox.md lists "
                             "the differences")
    parser.add_argument("--inactive-token-retention-days", type=int, default=INACTIVE_TOKEN_RETENTION_DAYS,
                        metavar="DAYS",
                        help="delete an inactive token family and its bot user this many days after its last "
                             "active token became inactive; 0 keeps them forever (default: %(default)s, GitLab's)")
    defaults = ServingLimits()
    limits = parser.add_argument_group("serving limits (see docs/sandbox.md, \"Serving limits\")")
    limits.add_argument("--workers", type=int, default=defaults.workers,
                        help="connections served at once (default: %(default)s)")
    limits.add_argument("--max-waiting", type=int, default=defaults.max_waiting,
                        help="connections queued for a worker; more are answered 503 (default: %(default)s)")
    limits.add_argument("--request-timeout", type=float, default=defaults.request_timeout, metavar="SECONDS",
                        help="a request must arrive whole within this long of its first byte "
                             "(default: %(default)s)")
    limits.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout, metavar="SECONDS",
                        help="an idle keep-alive connection is closed after this long, or at once when "
                             "others wait for a worker (default: %(default)s)")
    network = parser.add_argument_group("network latency (see docs/sandbox.md, \"Latency\")")
    network.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                         help="every API answer waits this long before it is sent (default: %(default)s)")
    network.add_argument("--latency-jitter-ms", type=float, default=0.0, metavar="MS",
                         help="spread each wait uniformly over latency ± this, never below 0 (default: %(default)s)")
    network.add_argument("--latency-seed", type=int, metavar="N", help="seed the jitter, for repeatable runs")
    args = parser.parse_args(argv)
    if args.max_lifetime_days < 1:
        parser.error("--max-lifetime-days must be at least 1")
    serving = ServingLimits(workers=args.workers, max_waiting=args.max_waiting,
                            request_timeout=args.request_timeout, idle_timeout=args.idle_timeout)
    for problem in serving.problems():
        parser.error(problem)
    latency = AnswerLatency(args.latency_ms, args.latency_jitter_ms, args.latency_seed)
    for problem in latency.problems():
        parser.error(problem)
    if args.inactive_token_retention_days < 0:
        parser.error("--inactive-token-retention-days must be 0 (keep forever) or more")
    for full_path in args.seed:
        problem = seed_problem(full_path)
        if problem:
            parser.error(problem)
    external_url = _external_url(parser, args.external_url)
    return SandboxConfig(host=args.host, port=args.port, admin_token=args.admin_token, data_dir=args.data,
                         max_lifetime_days=args.max_lifetime_days, log_file=args.log_file,
                         external_url=external_url, limits=serving,
                         seeds=tuple(args.seed), profile=PROFILES[args.gitlab_version],
                         inactive_token_retention_days=args.inactive_token_retention_days or None,
                         latency=latency)


def _external_url(parser: argparse.ArgumentParser, given: str | None) -> str | None:
    """Check ``--external-url`` and drop a trailing slash, since request paths are appended to it."""
    if given is None:
        return None
    try:
        parts = urlsplit(given)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or parts.query or parts.fragment or any(c.isspace() or c in '<>"' for c in given):
        parser.error("--external-url must be an http:// or https:// URL without a query, e.g. "
                     "http://gitlab.example.com:8080")
    return given.rstrip("/")


def _configure_logging(config: SandboxConfig) -> None:
    handler: logging.Handler = (logging.FileHandler(config.log_file) if config.log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("gitlab_token_sandbox")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    _configure_logging(config)
    try:
        server = SandboxServer(config)
    except (OSError, ValueError) as problem:
        print(f"sandbox: cannot start: {problem}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    sys.stdout.write(f"GITLAB_BASE_URL={server.base_url}\nGITLAB_TOKEN={server.admin_token}\n")
    sys.stdout.flush()
    logging.getLogger("gitlab_token_sandbox").info("listening on %s", server.base_url)
    while not stop.wait(0.5):
        pass
    server.stop()
    logging.getLogger("gitlab_token_sandbox").info("stopped")
    return 0


def run() -> None:
    """The ``gitlab-token-sandbox`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    run()

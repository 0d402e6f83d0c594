"""The provider's own CPU per GitLab call, without the engine: the before/after of the manager fix.

    .venv/bin/python benchmarks/provider_cpu.py [--tokens 200] [--rounds 3]

Drives ``ProjectAccessTokenProvider`` in this process against a sandbox (a
separate process, so its CPU is not counted): create, read and delete of N
tokens in N projects, measuring ``time.process_time()`` per call. Each round
runs twice, once with the provider's direct token manager (``current``) and
once with python-gitlab's ``gl.projects.get(parent, lazy=True).access_tokens``
(``lazy-parent``, what the provider did before), in alternating order.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pulumi.dynamic import Config, ConfigureRequest  # noqa: E402
from support.sandbox import Sandbox, running_sandbox  # noqa: E402

from benchmarks.harness import make_projects  # noqa: E402  (puts tests/ on the path too)
from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.lifecycle import token_endpoints
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider

OPERATIONS = ("create", "read", "delete")


def lazy_parent_manager(api: token_endpoints.TokenEndpoints, client: Any = None, *, creating: bool = False) -> Any:
    """The route the provider took before: a lazy python-gitlab Project, then its token manager.

    ``creating`` is the current ``_manager``'s keyword; a project's tokens are created through the
    same manager they are listed with, so it changes nothing here.
    """
    gl = client or gitlab_client.admin_client()
    return getattr(gl, api.kind.collection).get(api.parent, lazy=True).access_tokens


@contextlib.contextmanager
def manager_route(route: str) -> Iterator[None]:
    if route == "current":
        yield
        return
    original = token_endpoints.TokenEndpoints._manager
    token_endpoints.TokenEndpoints._manager = lazy_parent_manager  # type: ignore[method-assign]
    try:
        yield
    finally:
        token_endpoints.TokenEndpoints._manager = original  # type: ignore[method-assign]


def one_round(sandbox: Sandbox, provider: ProjectAccessTokenProvider, size: int) -> dict[str, float]:
    """CPU milliseconds per call of each operation over ``size`` fresh tokens."""
    group = make_projects(sandbox, size)
    inputs = [
        provider.check({}, {"project": f"{group}/p{index:04d}", "name": f"token-{index:04d}",
                            "scopes": ["read_api"], "access_level": "developer", "description": "benchmark",
                            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}).inputs
        for index in range(size)
    ]
    per_call: dict[str, float] = {}

    def timed(operation: str, action: Callable[[int], Any]) -> list[Any]:
        started = time.process_time()
        results = [action(index) for index in range(size)]
        per_call[operation] = (time.process_time() - started) / size * 1000
        return results

    created = timed("create", lambda i: provider.create(inputs[i]))
    timed("read", lambda i: provider.read(created[i].id, created[i].outs))
    timed("delete", lambda i: provider.delete(created[i].id, created[i].outs))
    return per_call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    samples: dict[str, dict[str, list[float]]] = {r: {op: [] for op in OPERATIONS} for r in ("current", "lazy-parent")}
    with tempfile.TemporaryDirectory() as home, running_sandbox() as sandbox:
        os.environ["PULUMI_HOME"] = home  # the provider's local files stay out of the user's ~/.pulumi
        provider = ProjectAccessTokenProvider()
        provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sandbox.base_url,
                                                    "gitlab:token": sandbox.admin_token}, "bench")))
        gitlab_client.admin_client()  # the one-time client construction is not a per-call cost
        for round_number in range(args.rounds):
            routes = ("current", "lazy-parent") if round_number % 2 == 0 else ("lazy-parent", "current")
            for route in routes:
                with manager_route(route):
                    for operation, ms in one_round(sandbox, provider, args.tokens).items():
                        samples[route][operation].append(ms)
    print(f"provider CPU per call (ms), median of {args.rounds} rounds of {args.tokens} tokens")
    print(f"{'operation':<10}{'current':>10}{'lazy-parent':>13}{'saved':>8}")
    for operation in OPERATIONS:
        now = statistics.median(samples["current"][operation])
        before = statistics.median(samples["lazy-parent"][operation])
        print(f"{operation:<10}{now:>10.3f}{before:>13.3f}{1 - now / before:>8.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fixtures for tests that run the real pulumi CLI."""

from __future__ import annotations

import functools
import inspect
import linecache
import re
import types
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest
from support.installed_package import wheel_of_this_run
from support.pulumi_cli import ENGINE_PROPERTY_DUMP, PROGRAMS, PulumiStack, run_directory, share_stack_templates
from support.postgres import Postgres, running_postgres
from support.sandbox import Sandbox, running_sandbox


@pytest.fixture
def make_stack(tmp_path: Path) -> Callable[..., PulumiStack]:
    """Copy a program from tests/programs (or any directory) into tmp and init a stack for it."""
    count = 0

    def make(program: str | Path, **kwargs) -> PulumiStack:
        nonlocal count
        count += 1
        source = program if isinstance(program, Path) else PROGRAMS / program
        return PulumiStack(source, tmp_path / f"stack{count}", **kwargs)

    return make


#: What in a test, or in a fixture of its own, starts a process: these are marked ``spawns``.
_STARTS_A_PROCESS = re.compile(r"\b(running_sandbox|running_postgres|subprocess\.\w+|Popen)\(")


def _starts_a_process(item: pytest.Item) -> bool:
    """The test's source, or that of a fixture it uses (but the session's shared ones), starts a process."""
    functions = [getattr(item, "function", None)]
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is not None:
        functions += [d.func for defs in fixture_info.name2fixturedefs.values() for d in defs if d.scope != "session"]
    return any(_source_starts_a_process(function) for function in functions if function is not None)


@functools.cache
def _source(function: Callable) -> str:
    """The lines that define ``function`` (its decorators and nested functions too), or "".

    Read from the line numbers its code objects carry: ``inspect.getsource`` tokenizes the module
    to find the block, which every worker did for every test at collection, a second or two each.
    """
    try:
        code = inspect.unwrap(function).__code__
    except AttributeError:
        return ""
    last, codes = code.co_firstlineno, [code]
    while codes:
        inner = codes.pop()
        last = max([last, *(line for *_, line in inner.co_lines() if line is not None)])
        codes += [const for const in inner.co_consts if isinstance(const, types.CodeType)]
    return "".join(linecache.getlines(code.co_filename)[code.co_firstlineno - 1:last])


@functools.cache
def _source_starts_a_process(function: Callable) -> bool:
    """``function``'s source, or that of a function it calls from its own module or tests/support, starts a process."""
    source = _source(function)
    if _STARTS_A_PROCESS.search(source):
        return True
    called = (getattr(function, "__globals__", {}).get(name) for name in set(re.findall(r"\b(\w+)\(", source)))
    return any(_source_starts_a_process(helper) for helper in called
               if inspect.isfunction(helper) and helper is not function
               and (helper.__module__ == function.__module__ or helper.__module__.startswith("support.")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/engine drives the CLI; mark it so `-m "not engine"` gives a quick unit run.
    # Tests that start processes of their own are marked too: `make check` leaves both out.
    for item in items:
        if "/tests/engine/" in str(item.fspath):
            item.add_marker(pytest.mark.engine)
        elif _starts_a_process(item):
            item.add_marker(pytest.mark.spawns)
    # The long tests first: pytest-xdist's `load` hands out tests in this order, so the run ends
    # on quick unit tests that even out the workers instead of on one worker's last engine test.
    # Within a tier the property tests go first: each runs hundreds of examples, up to 15 s.
    items[:] = sorted(items, key=lambda item: (
        0 if item.get_closest_marker("engine") else 1 if item.get_closest_marker("spawns") else 2,
        0 if _runs_a_property(item) else 1,
    ))


def _runs_a_property(item: pytest.Item) -> bool:
    """The test is a hypothesis property, or runs one it defines inside."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    return getattr(function, "is_hypothesis_test", False) or "@given(" in _source(function)


@pytest.fixture(scope="session", autouse=True)
def stack_templates_of_this_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    """New stacks are copies of templates made once for the whole run, not once per worker."""
    share_stack_templates(run_directory(tmp_path_factory) / "stack-templates")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One sandbox for the engine tests; each test works in groups and projects of its own."""
    with running_sandbox() as sb:
        yield sb


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel built from this checkout, once for every test of the run that installs it."""
    return wheel_of_this_run("provider", tmp_path_factory)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for the tests of a shared state backend; each test makes its own database."""
    with running_postgres() as server:
        yield server


@dataclass
class GitLabStack:
    """A stack of a program wired to the sandbox, with the group and project it manages."""

    stack: PulumiStack
    sandbox: Sandbox
    group: dict
    project: dict
    seen_secrets: set[str] = field(default_factory=set)

    def tokens(self) -> list[dict]:
        """This test's tokens in the sandbox (metadata only)."""
        mine = {("project", self.project["id"]), ("group", self.group["id"])}
        return [t for t in self.sandbox.tokens() if (t["resource_type"], t["resource_id"]) in mine]

    def active_tokens(self) -> list[dict]:
        return [t for t in self.tokens() if t["active"]]

    def reveal_outputs(self) -> dict:
        """Stack outputs with secrets shown; every token value is remembered for the leak checks."""
        outputs = self.stack.outputs(show_secrets=True)
        self.seen_secrets.update(v for k, v in outputs.items() if isinstance(v, str) and v.startswith("glpat-"))
        return outputs

    def assert_no_secret_leaks(self, *, allow_engine_property_dumps: bool = False) -> None:
        """No token value and not the admin credential in the state, the CLI's output or the sandbox log.

        At ``-v=9`` some upstream CLI versions dump every property value they marshal
        over gRPC, secrets included (``Marshaling property for RPC[...]``). That is the
        engine's own logging, which no provider can influence; with
        ``allow_engine_property_dumps`` exactly those lines are exempt, and every
        other line (ours, the language host's, the provider's) must still be clean.
        """
        self.reveal_outputs()
        assert self.seen_secrets, "no token values were collected, so this check would prove nothing"
        haystacks = {
            "state": self.stack.state_text(),
            "CLI output": self.stack.everything_printed(),
            "sandbox log": self.sandbox.read_log(),
        }
        for where, text in haystacks.items():
            lines = [line for line in text.splitlines()
                     if not (allow_engine_property_dumps and ENGINE_PROPERTY_DUMP.search(line))]
            clean = "\n".join(lines)
            for secret in self.seen_secrets | {self.sandbox.admin_token}:
                assert secret not in clean, f"a secret value appears in the {where}"


@pytest.fixture
def gitlab_stack(make_stack, sandbox: Sandbox, request: pytest.FixtureRequest) -> Callable[..., GitLabStack]:
    """Make a stack of a program (default: tests/programs/tokens) against a fresh group and project."""

    def make(program: str | Path = "tokens", **config: str) -> GitLabStack:
        slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40] + f"-{uuid.uuid4().hex[:6]}"
        group = sandbox.create_group(slug)
        project = sandbox.create_project("app", group["id"])
        stack = make_stack(program)
        stack.config_set_all({"gitlab:baseUrl": sandbox.base_url, "project": project["path_with_namespace"],
                              "group": group["full_path"], **config}, {"gitlab:token": sandbox.admin_token})
        return GitLabStack(stack, sandbox, group, project)

    return make

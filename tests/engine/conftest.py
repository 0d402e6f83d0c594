"""Fixtures for tests that run the real pulumi CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from support.pulumi_cli import PROGRAMS, PulumiStack


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/engine drives the CLI; mark it so `-m "not engine"` gives a quick unit run.
    for item in items:
        if "/tests/engine/" in str(item.fspath):
            item.add_marker(pytest.mark.engine)

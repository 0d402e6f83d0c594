"""The provider's direct tests share one sandbox process (one per pytest-xdist worker), reset per module.

``tests/provider/conftest.py`` provides these fixtures; a test module that
imports ``sandbox`` from another one (as many do from ``test_provider_sandbox``)
gets the same fixture.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from support.sandbox import Sandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[Sandbox]:
    """One sandbox process for the provider's direct tests."""
    with running_sandbox() as sb:
        yield sb


@pytest.fixture(scope="module")
def sandbox(sandbox_process: Sandbox) -> Sandbox:
    """The session's sandbox, reset for each module: an empty world, no faults, the real clock."""
    sandbox_process.reset()
    return sandbox_process

"""CI/CD variables: the resources that hand a token to the jobs that use it."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """The variable providers under this package's name, as state pickled before the subpackages names them."""
    if name in ("ProjectVariableProvider", "GroupVariableProvider", "VariableProvider"):
        from . import provider

        return getattr(provider, name)
    raise AttributeError(name)

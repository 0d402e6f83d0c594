"""The package's layers: nothing in a lower layer imports a higher one (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pulumi_gitlab_tokens

PACKAGE = Path(pulumi_gitlab_tokens.__file__).parent

#: The subpackages from the bottom up; a module may import its own layer and those below it.
LAYERS = ("common", "rules", "client", "kinds", "lifecycle", ("variables", "service_accounts"), "resources", "native")


def layer_of(subpackage: str) -> int:
    for rank, names in enumerate(LAYERS):
        if subpackage in ((names,) if isinstance(names, str) else names):
            return rank
    raise AssertionError(f"{subpackage!r} is in no layer: add it to LAYERS and to docs/architecture.md")


def imported_subpackages(path: Path) -> set[str]:
    """The package's subpackages ``path`` imports, at any depth of the module (lazy imports too), except
    imports for type annotations only (``if TYPE_CHECKING:``), which run nothing."""
    here = path.relative_to(PACKAGE).parts[:-1]
    tree = ast.parse(path.read_text(), str(path))
    type_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                 and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING") for inner in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - (node.level - 1)] if node.level > 1 else here)
            target = base + (node.module.split(".") if node.module else [])
            names = [target] if target else [[alias.name] for alias in node.names]
            found |= {parts[0] for parts in names if parts}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_gitlab_tokens."):
            found.add(node.module.split(".")[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if len(p.relative_to(PACKAGE).parts) > 1)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    own = layer_of(path.relative_to(PACKAGE).parts[0])
    higher = {name for name in imported_subpackages(path) if (PACKAGE / name).is_dir() and layer_of(name) > own}
    assert not higher, f"{path.relative_to(PACKAGE)} imports {sorted(higher)}, above its layer"


def test_the_scan_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    probe = PACKAGE / "rules" / "_probe_for_test.py"
    probe.write_text("from ..lifecycle import provider\nfrom pulumi_gitlab_tokens.native import schema\n"
                     "def f():\n    from ..resources.tokens import TokenResource\n"
                     "if TYPE_CHECKING:\n    from ..variables.provider import VariableProvider\n")
    try:
        assert imported_subpackages(probe) == {"lifecycle", "native", "resources"}
    finally:
        probe.unlink()


def test_every_subpackage_has_a_layer() -> None:
    for child in PACKAGE.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            layer_of(child.name)

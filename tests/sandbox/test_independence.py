"""The sandbox is a model of GitLab, not of the provider: it imports nothing from it.

An emulator that reused the provider's catalogue would agree with the provider
by construction, and a wrong scope or limit would pass every test. Where both
hold the same fact, ``test_shared_facts.py`` compares the two copies instead.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import gitlab_token_sandbox

PACKAGE_DIR = Path(gitlab_token_sandbox.__file__).parent
#: Top-level modules the sandbox must never import: the provider, and the clients it imitates GitLab for.
FORBIDDEN = ("pulumi_gitlab_tokens", "pulumi", "gitlab", "requests")


def _imports(path: Path) -> list[tuple[int, str, int]]:
    """``(line, module, relative level)`` of every import statement in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", node.level))
    return found


def test_no_module_of_the_sandbox_imports_the_provider_or_a_client() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) > 10, f"the sandbox package was not found where expected: {PACKAGE_DIR}"
    offending = []
    for path in modules:
        for line, module, level in _imports(path):
            top = module.split(".")[0]
            # A relative import of level 2 or more would climb out of the sandbox's own package.
            if level > 1 or (level == 0 and top in FORBIDDEN):
                offending.append(f"{path.name}:{line}: {'.' * level}{module}")
    assert offending == []


def test_a_running_sandbox_has_loaded_nothing_of_the_provider() -> None:
    """Import every module, serve a real request, then look at ``sys.modules``."""
    script = """
import json, pkgutil, importlib, sys, urllib.request
import gitlab_token_sandbox
for info in pkgutil.iter_modules(gitlab_token_sandbox.__path__):
    importlib.import_module("gitlab_token_sandbox." + info.name)
from gitlab_token_sandbox import SandboxConfig, SandboxServer
server = SandboxServer(SandboxConfig(port=0))
server.start()
request = urllib.request.Request(server.base_url + "/api/v4/version", headers={"PRIVATE-TOKEN": server.admin_token})
status = urllib.request.urlopen(request, timeout=10).status
server.stop()
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == 200
    loaded = [name for name in report["modules"] if name.split(".")[0] in FORBIDDEN]
    assert loaded == []
    assert "gitlab_token_sandbox.server" in report["modules"]

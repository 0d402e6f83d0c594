"""docs/adding-a-kind.md is true: its worked example, followed in a copy of the package, makes a kind that works.

The page's code blocks each open with a comment naming their file. The test checks the
declaration it shows is the code's, writes the worked example's blocks into a copy of the
repository's package, toolchain, pack and docs (in ``tmp_path``), runs the generators the
page names there, and drives the new kind's provider, imported from the copy in a Python of
its own, through check, create, diff and delete against the sandbox, counting GitLab's calls.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from support.sandbox import Sandbox
from support.sandbox_fixtures import sandbox, sandbox_process  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.kinds.base import TokenKind

pytestmark = [pytest.mark.spawns, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "adding-a-kind.md"
WIDGET_TYPE = "pulumi-python:dynamic/gitlab:WidgetToken"

#: A fenced block of the page: its language, the file its first line names, and the rest.
FENCE = re.compile(r"^```(?P<lang>\w+)\n(?:# |<!-- )(?P<path>[\w/.-]+)(?: -->)?\n(?P<body>.*?)^```$", re.M | re.S)

#: What the copy of the repository needs to follow the page (the pack's own virtualenv stays behind).
COPIED = ("provider", "toolchain", "policies", "docs", "Makefile")
IGNORED = shutil.ignore_patterns("venv", "__pycache__", "*.pyc", "*.egg-info", ".installed")

CREATE = "POST /projects/:id/deploy_tokens"
LIST = "GET /projects/:id/deploy_tokens"
DELETE = "DELETE /projects/:id/deploy_tokens/:token_id"


def page_blocks() -> dict[str, str]:
    """The page's code blocks, by the file their first line names."""
    blocks = {match.group("path"): match.group("body") for match in FENCE.finditer(PAGE.read_text("utf-8"))}
    assert blocks, "docs/adding-a-kind.md has no code block naming its file"
    return blocks


def insert(path: Path, anchor: str, text: str, *, after: bool) -> None:
    """``text`` on lines of its own before or after the one line of ``path`` that starts with ``anchor``."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    found = [i for i, line in enumerate(lines) if line.startswith(anchor)]
    assert len(found) == 1, f"{path.name}: expected one line starting {anchor!r}, found {len(found)}"
    at = found[0] + (1 if after else 0)
    lines[at:at] = [text if text.endswith("\n") else text + "\n"]
    path.write_text("".join(lines), "utf-8")


def make_recipe(target: str) -> list[str]:
    """The command the Makefile's ``target`` runs, with this Python for the project's."""
    makefile = (REPO / "Makefile").read_text("utf-8")
    match = re.search(rf"^{target}:.*\n\t@?(?P<command>.+)$", makefile, re.M)
    assert match, f"the Makefile has no `{target}` target"
    command = match.group("command").replace("$(VENV)/bin/python", "PYTHON").replace("$(PYTHON)", "PYTHON").split()
    assert command[0] == "PYTHON", f"`make {target}` runs {match.group('command')!r}, not a Python script"
    return [sys.executable, *command[1:]]


def copy_env(copy: Path) -> dict[str, str]:
    """The environment of a process that imports the copy's package (first on the path) and no GitLab
    setting of this one's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITLAB_", "PULUMI_")) and key not in (config_keys.GITLAB_CI_ENV,
                                                                         config_keys.CI_SERVER_URL_ENV)}
    env["PYTHONPATH"] = str(copy / "provider")
    return env


def run(copy: Path, command: list[str]) -> str:
    done = subprocess.run(command, cwd=copy, env=copy_env(copy), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{' '.join(command[1:])} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def follow_the_page(copy: Path) -> None:
    """Declare the worked example's kind in ``copy`` as the page says, then run its three commands."""
    blocks = page_blocks()
    package = copy / "provider" / "pulumi_gitlab_tokens"
    # The declaration: a module of its own.
    (package / "kinds" / "widget_token.py").write_text(blocks["provider/pulumi_gitlab_tokens/kinds/widget_token.py"],
                                                       "utf-8")
    # Its registration: imported with the other kind modules, named, and at the end of ALL.
    registry = package / "kinds" / "__init__.py"
    insert(registry, "from . import (", "    widget_token,", after=True)
    insert(registry, "ALL: Final", blocks["provider/pulumi_gitlab_tokens/kinds/__init__.py"], after=False)
    text = registry.read_text("utf-8")
    all_tuple = re.search(r"^ALL: Final\[tuple\[TokenKind, \.\.\.\]\] = \((?P<kinds>[^)]*)\)", text, re.M | re.S)
    assert all_tuple, "kinds/__init__.py has no ALL tuple"
    registry.write_text(text[:all_tuple.end("kinds")] + ", WIDGET" + text[all_tuple.end("kinds"):], "utf-8")
    # Its type token among our types'.
    insert(package / "common" / "catalogue.py", "#: Pulumi type tokens of our dynamic resources.",
           blocks["provider/pulumi_gitlab_tokens/common/catalogue.py"], after=True)
    # Its sentence in the faces' NOTES, and its section in docs/resources.md.
    insert(copy / "toolchain" / "generate_faces.py", "NOTES:", blocks["toolchain/generate_faces.py"], after=True)
    resources = copy / "docs" / "resources.md"
    resources.write_text(resources.read_text("utf-8") + "\n" + blocks["docs/resources.md"], "utf-8")
    # The three commands.
    commands = blocks_of_commands()
    assert commands == ["make faces", ".venv/bin/python toolchain/reference_tables.py generate", "make pack"]
    run(copy, make_recipe("faces"))
    run(copy, [sys.executable, "toolchain/reference_tables.py", "generate"])
    run(copy, make_recipe("pack"))


def blocks_of_commands() -> list[str]:
    """The commands of the page's shell block, without their comments."""
    (shell,) = re.findall(r"^```sh\n(.*?)^```$", PAGE.read_text("utf-8"), re.M | re.S)
    return [line.split("#", 1)[0].strip() for line in shell.splitlines() if line.strip()]


#: Drives the copy's WidgetToken provider one step per line of stdin, one JSON answer per line of
#: stdout; it never prints a token's value.
DRIVER = '''
import json, os, sys
from pulumi.dynamic import Config, ConfigureRequest
import pulumi_gitlab_tokens
from pulumi_gitlab_tokens import WidgetToken, WidgetTokenArgs, kinds, list_widget_tokens
from pulumi_gitlab_tokens.lifecycle.provider import provider_class

kind = kinds.BY_TYPE_TOKEN["pulumi-python:dynamic/gitlab:WidgetToken"]
provider = provider_class(kind)()
provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": os.environ["WIDGET_GITLAB_URL"],
                                            "gitlab:token": os.environ.pop("WIDGET_GITLAB_TOKEN")}, "infra")))
print(json.dumps({"package": pulumi_gitlab_tokens.__file__, "kinds": [k.resource_name for k in kinds.ALL],
                  "face": [WidgetToken.__name__, WidgetTokenArgs.__name__, list_widget_tokens.__name__]}), flush=True)
state = {}
for line in sys.stdin:
    step = json.loads(line)
    try:
        if step["op"] == "check":
            result = provider.check({}, step["news"])
            state["checked"] = result.inputs
            answer = {"failures": [[f.property, f.reason] for f in result.failures]}
        elif step["op"] == "create":
            created = provider.create(state["checked"])
            state["id"], state["outs"] = created.id, created.outs
            outs = created.outs
            answer = {"id": created.id, "token_id": outs["token_id"], "name": outs["name"],
                      "expires_at": outs["expires_at"], "gldt": outs["token"].startswith("gldt-")}
        elif step["op"] == "diff":
            checked = provider.check(state["checked"], step["news"]).inputs
            result = provider.diff(state["id"], state["outs"], checked)
            answer = {"changes": result.changes, "replaces": result.replaces}
        else:
            provider.delete(state["id"], state["outs"])
            answer = {}
    except Exception as error:  # reported to the test, as the engine would show it
        answer = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(answer), flush=True)
'''


class CopiedKind:
    """The driver process: one step at a time, so the test counts GitLab's calls per step."""

    def __init__(self, copy: Path, sb: Sandbox) -> None:
        (copy / "drive.py").write_text(DRIVER, "utf-8")
        env = {**copy_env(copy), "WIDGET_GITLAB_URL": sb.base_url + "/api/v4", "WIDGET_GITLAB_TOKEN": sb.admin_token}
        self.process = subprocess.Popen([sys.executable, "drive.py"], cwd=copy, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.opening = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the driver stopped: {self.stop()}"
        return json.loads(line)

    def step(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        assert "error" not in answer, answer["error"]
        return answer

    def stop(self) -> str:
        """End the driver (its stdin closed, it returns); its stderr."""
        _, err = self.process.communicate(timeout=60)
        return err or ""


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=IGNORED)
        else:
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture
def driven(copied: Path, sandbox: Sandbox) -> Iterator[tuple[CopiedKind, Sandbox]]:  # noqa: F811
    follow_the_page(copied)
    sandbox.reset()
    sandbox.clear_faults()
    group = sandbox.create_group("acme")
    sandbox.create_project("app", group["id"])
    kind = CopiedKind(copied, sandbox)
    try:
        yield kind, sandbox
    finally:
        if kind.process.poll() is None:
            kind.process.kill()
            kind.process.wait(timeout=60)


def calls(sb: Sandbox) -> dict[str, int]:
    counted = {route.replace("/api/v4", ""): count for route, count in sb.calls().items()}
    sb.reset_counters()
    return counted


def test_the_page_shows_the_declaration_the_code_has() -> None:
    shown = page_blocks()["provider/pulumi_gitlab_tokens/kinds/pipeline_trigger.py"]
    code = (REPO / "provider/pulumi_gitlab_tokens/kinds/pipeline_trigger.py").read_text("utf-8")
    assert shown.startswith("KIND = TokenKind(") and shown in code, (
        "docs/adding-a-kind.md shows a PipelineTrigger declaration kinds/pipeline_trigger.py does not have")


def test_the_page_names_every_part_a_kind_chooses() -> None:
    """Each part-typed field of TokenKind is in the page's table of parts."""
    table = PAGE.read_text("utf-8").split("## The parts", 1)[1].split("\n## ", 1)[0]
    fields = re.findall(r"^\| `(\w+)` \|", table, re.M)
    chosen = {name for name, annotation in TokenKind.__annotations__.items() if "parts." in str(annotation)}
    assert sorted(fields) == sorted(chosen)


def test_the_worked_example_declares_a_kind_that_works_against_the_sandbox(copied: Path, driven) -> None:
    kind, sb = driven
    assert kind.opening["package"] == str(copied / "provider" / "pulumi_gitlab_tokens" / "__init__.py")
    assert kind.opening["kinds"][-1] == "WidgetToken"
    assert kind.opening["face"] == ["WidgetToken", "WidgetTokenArgs", "list_widget_tokens"]
    assert WIDGET_TYPE not in kinds.BY_TYPE_TOKEN, "the repository's own package was changed"
    # The generated files of the copy name the kind; the generators' checks agree they are current.
    assert (copied / "docs/resources.md").read_text("utf-8").count("| `scopes` |") > (
        (REPO / "docs/resources.md").read_text("utf-8").count("| `scopes` |"))
    assert WIDGET_TYPE in (copied / "policies/gitlab_token_policies/_token_types.py").read_text("utf-8")
    for tool in ("generate_faces.py", "reference_tables.py"):
        run(copied, [sys.executable, f"toolchain/{tool}", "check"])

    news = {"project": "acme/app", "name": "widget-bot", "scopes": ["read_registry"]}
    # An expiry is required: the part the example chose.
    refused = kind.step("check", news=news)["failures"]
    assert [field for field, _ in refused] == ["expires_at"]
    calls(sb)
    news["rotation_configuration"] = {"expiration_days": 30, "rotate_before_days": 7}
    assert kind.step("check", news=news) == {"failures": []}
    assert all(route.startswith("GET ") for route in calls(sb)), "a preview wrote to GitLab"

    created = kind.step("create")
    assert calls(sb) == {CREATE: 1, LIST: 1}  # the run's one listing of the project, for what a dead run left
    assert created["gldt"] and created["name"] == "widget-bot"
    assert created["id"] == f"acme/app:{created['token_id']}"
    (stored,) = sb.api("GET", "/projects/acme%2Fapp/deploy_tokens")
    assert stored["id"] == created["token_id"] and stored["name"].startswith("widget-bot [")  # the mark after it
    assert stored["expires_at"].startswith(created["expires_at"])
    calls(sb)  # not the test's own look

    assert kind.step("diff", news=news)["changes"] is False
    assert kind.step("diff", news={**news, "name": "gadget-bot"}) == {"changes": True, "replaces": ["name"]}
    assert calls(sb) == {}

    kind.step("delete")
    assert calls(sb) == {DELETE: 1}
    assert sb.api("GET", "/projects/acme%2Fapp/deploy_tokens") == []
    err = kind.stop()
    assert sb.admin_token not in err and not re.search(r"gldt-\w{8}", err), "a secret reached the driver's stderr"

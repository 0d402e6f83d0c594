"""The pack as a whole: names, levels and config defaults (its interface), files, docs."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import gitlab_token_policies as pack
import pytest
from policy_harness import PACK_DIR
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.kinds import PulumiGitlabType

#: The documented interface (issue 5 and policies/README.md): name -> (level, config defaults).
DOCUMENTED = {
    "gitlab-token-scopes": (
        "mandatory",
        {"allowedScopes": list(catalogue.ALL_SCOPE_NAMES), "forbiddenScopes": ["api", "sudo", "admin_mode"]},
    ),
    "gitlab-token-lifetime": ("mandatory", {"maxDays": 90, "requireExpiry": True}),
    "gitlab-token-rotation": ("advisory", {"required": False, "minRotateBeforeDays": 7}),
    "gitlab-token-access-level": ("mandatory", {"maxAccessLevel": "maintainer"}),
    "gitlab-token-description": ("advisory", {}),
    "gitlab-token-name": ("advisory", {}),  # pattern: no default
    "gitlab-token-expiring": ("advisory", {"withinDays": 14, "inactiveRetentionDays": 30,
                                           "retentionWarningDays": 7}),
    "gitlab-token-unique-names": ("mandatory", {}),
}


def test_policy_names_and_levels() -> None:
    assert {p.name: p.enforcement_level.value for p in pack.POLICIES} == {
        name: level for name, (level, _) in DOCUMENTED.items()
    }
    assert pack.PACK_NAME == "gitlab-tokens"


@pytest.mark.parametrize("policy", pack.POLICIES, ids=lambda p: p.name)
def test_schema_defaults_are_the_documented_ones(policy) -> None:
    _, defaults = DOCUMENTED[policy.name]
    assert pack.schema_defaults(policy) == {**defaults, "exclude": []}


@pytest.mark.parametrize("policy", pack.POLICIES, ids=lambda p: p.name)
def test_every_policy_is_documented_and_has_remediation_steps(policy) -> None:
    assert policy.description and policy.remediation_steps and policy.severity is not None
    assert "enforcementLevel" not in policy.config_schema.properties
    for prop in policy.config_schema.properties.values():
        assert prop.get("description")


def test_name_pattern_has_no_default() -> None:
    assert "pattern" in pack.token_name.config_schema.properties
    assert "default" not in pack.token_name.config_schema.properties["pattern"]


def test_policy_kinds_and_remediation_support() -> None:
    assert isinstance(pack.token_expiring, StackValidationPolicy)
    assert isinstance(pack.token_unique_names, StackValidationPolicy)
    remediating = {p.name for p in pack.POLICIES if isinstance(p, ResourceValidationPolicy) and p.has_remediation()}
    assert remediating == {"gitlab-token-scopes", "gitlab-token-lifetime"}


def test_empty_config_means_the_defaults() -> None:
    """Called without engine-filled config, a policy still applies its documented defaults."""
    for policy in pack.POLICIES:
        assert pack.load_config(policy, {}) == pack.schema_defaults(policy)


def test_importing_the_policies_does_not_start_a_server() -> None:
    """Only __main__.py may build the PolicyPack (it blocks forever)."""
    code = "import gitlab_token_policies, sys; sys.exit(0)"
    done = subprocess.run([sys.executable, "-c", code], cwd=PACK_DIR, timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # a PolicyPack would have printed its port
    for module in (PACK_DIR / "gitlab_token_policies").glob("*.py"):
        assert "PolicyPack(" not in module.read_text(), module.name


def test_pulumi_policy_yaml_sets_the_virtualenv() -> None:
    text = (PACK_DIR / "PulumiPolicy.yaml").read_text()
    for line in ("name: python", "toolchain: pip", "virtualenv: venv"):
        assert line in text


def test_requirements_are_only_the_policy_sdk_bounded_both_ways() -> None:
    """Nothing from this repository (no ``-e ..``, no paths): a copied pack installs anywhere."""
    lines = [line.strip() for line in (PACK_DIR / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert sorted(r.split(">=")[0] for r in requirements) == ["pulumi", "pulumi-policy"]
    for requirement in requirements:
        assert ">=" in requirement and ",<" in requirement, f"{requirement} needs a floor and a ceiling"


# --- shipped example configs -------------------------------------------------

CONFIG_FILES = sorted((PACK_DIR / "config").glob("*.json"))
_JSON_TYPES = {"integer": int, "boolean": bool, "array": list, "string": str}
_LEVELS = {level.value for level in EnforcementLevel}


def _check_value(schema: dict, value: object, where: str) -> None:
    """The subset of JSON-schema checks our schemas use (the engine does the full check)."""
    expected = _JSON_TYPES.get(schema.get("type", ""))
    if expected is not None:
        assert isinstance(value, expected) and not (expected is int and isinstance(value, bool)), where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "minimum" in schema:
        assert value >= schema["minimum"], where
    if isinstance(value, list) and "items" in schema:
        for item in value:
            _check_value(schema["items"], item, where)


def test_config_files_exist() -> None:
    assert {f.name for f in CONFIG_FILES} >= {"strict.json", "permissive.json"}


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_config_files_match_the_schemas(path: Path) -> None:
    policies = {p.name: p for p in pack.POLICIES}
    for name, value in json.loads(path.read_text()).items():
        assert name == "all" or name in policies, f"{path.name}: unknown policy {name}"
        if isinstance(value, str):
            assert value in _LEVELS
            continue
        properties = policies[name].config_schema.properties
        for key, setting in value.items():
            if key == "enforcementLevel":
                assert setting in _LEVELS
                continue
            assert key in properties, f"{path.name}: {name} has no key {key}"
            _check_value(properties[key], setting, f"{path.name}: {name}.{key}")


# --- README ------------------------------------------------------------------


def test_readme_documents_every_policy_and_key() -> None:
    readme = (PACK_DIR / "README.md").read_text()
    for policy in pack.POLICIES:
        assert f"`{policy.name}`" in readme
        for key in policy.config_schema.properties:
            assert f"`{key}`" in readme, f"{key} of {policy.name} is not in the README"


# --- self-contained and versioned --------------------------------------------

REPO = PACK_DIR.parent


def _build_pack_module():
    """toolchain/build_pack.py (what `make pack` runs), imported by path."""
    spec = importlib.util.spec_from_file_location("build_pack", REPO / "toolchain" / "build_pack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_pack", module)
    spec.loader.exec_module(module)
    return module


build_pack = _build_pack_module()


def test_generated_catalogue_and_clock_are_current() -> None:
    """The pack's copies (and its table) regenerate to the same bytes: one source of truth, no drift."""
    assert build_pack.stale() == [], "run `make pack` to regenerate the pack's generated files"
    for copy in build_pack.GENERATED:
        text = copy.target.read_text()
        assert text.startswith("# GENERATED by `make pack` from provider/pulumi_gitlab_tokens/")
        assert text.endswith(copy.source.read_text())


def test_a_missing_or_edited_copy_is_stale(tmp_path: Path) -> None:
    copy = build_pack.GeneratedCopy(REPO / "provider/pulumi_gitlab_tokens/common/catalogue.py", tmp_path / "_catalogue.py")
    assert not copy.is_current()
    copy.target.write_text(copy.expected())
    assert copy.is_current()
    copy.target.write_text(copy.expected().replace('"api"', '"apii"', 1))
    assert not copy.is_current()


def test_pack_facts_are_the_catalogues() -> None:
    from gitlab_token_policies import _catalogue

    for name in ("ALL_SCOPES", "PERSONAL_TOKEN_SCOPES", "DEPLOY_TOKEN_SCOPES", "ACCESS_LEVELS", "MAX_LIFETIME_DAYS"):
        assert getattr(_catalogue, name) == getattr(catalogue, name), name


def test_the_pack_table_is_the_declarations() -> None:
    """The pack's ``_token_types.py`` regenerates to the same bytes, and reads as the table it was written from."""
    from gitlab_token_policies._token_types import TOKEN_TYPES

    assert build_pack.TOKEN_TYPES_FILE.read_text() == build_pack.render_token_types(build_pack.token_types())
    assert build_pack.TOKEN_TYPES_FILE.read_text().startswith("# GENERATED by `make pack` from the kinds' declarations")
    # TokenType is a class of each module, so its instances compare by their fields.
    assert {t: dataclasses.astuple(k) for t, k in TOKEN_TYPES.items()} == {
        t: dataclasses.astuple(k) for t, k in build_pack.token_types().items()
    }
    for kind in kinds.ALL:
        assert TOKEN_TYPES[kind.type_token].label == kind.label
        assert TOKEN_TYPES[catalogue.native_type(kind.type_token)] == TOKEN_TYPES[kind.type_token]


def test_a_new_kind_joins_the_pack_table_from_its_declaration() -> None:
    """A kind declared and nothing else: its type, native type and pulumi-gitlab counterpart are judged by its parts."""
    widget = dataclasses.replace(
        kinds.GROUP_DEPLOY, resource_name="WidgetToken", type_token="pulumi-python:dynamic/gitlab:WidgetToken",
        label="widget token",
        pulumi_gitlab=(PulumiGitlabType("gitlab:index/widgetToken:WidgetToken",
                                        lacks=frozenset({"rotation_configuration"})),))
    text = build_pack.render_token_types(build_pack.token_types((*kinds.ALL, widget)))
    module: dict[str, object] = {"__name__": "gitlab_token_policies._widget_types",
                                 "__package__": "gitlab_token_policies"}
    exec(compile(text, "_widget_types.py", "exec"), module)  # as the pack reads its table
    table = module["TOKEN_TYPES"]
    assert isinstance(table, dict)
    ours, native, theirs = (table["pulumi-python:dynamic/gitlab:WidgetToken"],
                            table["gitlab-tokens:index:WidgetToken"], table["gitlab:index/widgetToken:WidgetToken"])
    assert ours == native
    assert (ours.label, ours.scopes, ours.parents, ours.family) == (
        "widget token", catalogue.DEPLOY_TOKEN_SCOPES, (("group", "group"),), "deploy")
    assert (ours.has_access_level, ours.has_description, ours.retention_deletes) == (False, False, False)
    assert (ours.rotation, theirs.rotation) == (catalogue.ROTATION_REPLACES, catalogue.NO_ROTATION_INPUT)
    assert "WidgetToken" not in build_pack.TOKEN_TYPES_FILE.read_text()


def test_a_token_of_its_own_user_names_the_user() -> None:
    """A user's tokens share one list of names, the user's: a kind held by its own user must name it."""
    assert kinds.GROUP_SERVICE_ACCOUNT.token_type().parents == (("user_id", "user"),)
    userless = dataclasses.replace(kinds.GROUP_SERVICE_ACCOUNT, route_inputs=(), inputs=tuple(
        field for field in kinds.GROUP_SERVICE_ACCOUNT.inputs if field.name != "user_id"))
    with pytest.raises(ValueError, match="names it by a 'user_id' input"):
        build_pack.token_types((userless,))


def test_a_type_both_declared_and_hand_written_fails_generation() -> None:
    """When a kind of ours declares a pulumi-gitlab type, its hand-written row must go."""
    written = {catalogue.PULUMI_GITLAB_PROJECT_TOKEN_TYPE: kinds.PROJECT.token_type()}
    with pytest.raises(SystemExit, match="delete its row from PULUMI_GITLAB_ONLY"):
        build_pack.token_types(kinds.ALL, written)


def test_no_module_reaches_into_the_provider_package() -> None:
    for module in (PACK_DIR / "gitlab_token_policies").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("pulumi_gitlab_tokens", "pulumi.dynamic")), f"{module.name}: {name}"


def test_the_pack_runs_without_the_provider_package() -> None:
    """Import the pack with pulumi_gitlab_tokens unimportable, and run a policy."""
    code = textwrap.dedent(
        """
        import importlib.abc, sys

        class Blocked(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "pulumi_gitlab_tokens":
                    raise ImportError(f"{name} is not available to the pack")

        sys.meta_path.insert(0, Blocked())
        import gitlab_token_policies as pack
        from gitlab_token_policies.tokens import Token
        from gitlab_token_policies.scopes import check_scopes
        from gitlab_token_policies._catalogue import PROJECT_TOKEN_TYPE
        token = Token(PROJECT_TOKEN_TYPE, "t", {"scopes": ["api"]})
        print(check_scopes(token, pack.load_config(pack.token_scopes, {}))[0])
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PACK_DIR, timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Forbidden scopes: api")


def test_versions_agree() -> None:
    assert build_pack.pack_version() == pack.__version__


def test_one_policy_per_module() -> None:
    """Each policy lives in a module of its own whose docstring starts with the policy's name."""
    seen: dict[str, str] = {}
    for policy in pack.POLICIES:
        modules = [
            module for name, module in sys.modules.items()
            if name.startswith("gitlab_token_policies.") and any(v is policy for v in vars(module).values())
            and getattr(module, "__doc__", "") and module.__doc__.startswith(f"``{policy.name}``")
        ]
        assert len(modules) == 1, policy.name
        seen[policy.name] = modules[0].__name__
    assert len(set(seen.values())) == len(pack.POLICIES)


def test_build_makes_a_complete_reproducible_artifact(tmp_path: Path) -> None:
    directory, archive = build_pack.build(tmp_path / "dist")
    assert directory.name == archive.name.removesuffix(".tar.gz") == f"gitlab-tokens-policy-{pack.__version__}"
    files = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    for required in ("PulumiPolicy.yaml", "__main__.py", "requirements.txt", "README.md", "config/strict.json",
                     "gitlab_token_policies/__init__.py", "gitlab_token_policies/_catalogue.py",
                     "gitlab_token_policies/_token_types.py",
                     "gitlab_token_policies/unique_names.py"):
        assert required in files, required
    assert not any(part in ("venv", "__pycache__") for f in files for part in f.split("/")), files
    with tarfile.open(archive) as tar:
        assert {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()} == files
    first = archive.read_bytes()
    build_pack.build(tmp_path / "dist")
    assert archive.read_bytes() == first, "the same pack must give the same artifact bytes"

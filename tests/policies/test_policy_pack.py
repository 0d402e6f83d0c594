"""The pack as a whole: names, levels and config defaults (its interface), files, docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

import gitlab_token_policies as pack
from pulumi_gitlab_tokens import catalogue

PACK_DIR = Path(pack.__file__).resolve().parent

#: The documented interface (issue 5 and policies/README.md): name -> (level, config defaults).
DOCUMENTED = {
    "gitlab-token-scopes": (
        "mandatory",
        {"allowedScopes": list(catalogue.PERSONAL_TOKEN_SCOPES), "forbiddenScopes": ["api", "sudo", "admin_mode"]},
    ),
    "gitlab-token-lifetime": ("mandatory", {"maxDays": 90, "requireExpiry": True}),
    "gitlab-token-rotation": ("advisory", {"required": False, "minRotateBeforeDays": 7}),
    "gitlab-token-access-level": ("mandatory", {"maxAccessLevel": "maintainer"}),
    "gitlab-token-description": ("advisory", {}),
    "gitlab-token-name": ("advisory", {}),  # pattern: no default
    "gitlab-token-expiring": ("advisory", {"withinDays": 14}),
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
    source = (PACK_DIR / "gitlab_token_policies.py").read_text()
    assert "PolicyPack(" not in source


def test_pulumi_policy_yaml_sets_the_virtualenv() -> None:
    text = (PACK_DIR / "PulumiPolicy.yaml").read_text()
    for line in ("name: python", "toolchain: pip", "virtualenv: venv"):
        assert line in text


def test_requirements_pin_the_sdk_and_install_the_project() -> None:
    lines = [line.strip() for line in (PACK_DIR / "requirements.txt").read_text().splitlines()]
    assert "pulumi-policy==1.21.0" in lines and "-e .." in lines


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

"""A kind is one module: the generic modules name no kind, and a kind declared only as data works.

The first half reads the source of every generic module and fails on anything
that names a registered kind (its parent, collection, routes, resource name,
type token, the ``PROJECT``/``GROUP`` constants or a kind module). The second
declares a toy kind - no rotate route, no access level, its own scopes - and
drives it through ``check`` and ``diff`` directly, with no engine and no
change to any other module.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
from pathlib import Path

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest

import pulumi_gitlab_tokens
from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client.gitlab_objects import python_gitlab_manager
from pulumi_gitlab_tokens.kinds import OnChange, parts
from pulumi_gitlab_tokens.kinds.base import InputField, OutputField, Routes, TokenKind
from pulumi_gitlab_tokens.lifecycle.provider import AccessTokenProvider, provider_class
from pulumi_gitlab_tokens.rules import comparisons, inputs

PACKAGE = Path(pulumi_gitlab_tokens.__file__).parent

#: Modules that serve every kind and so may name none: the layers below and beside the kinds'
#: declarations. Kind modules, the registry, the resource classes and ``common/catalogue.py``
#: (GitLab's table of kinds for the policy pack) are where kinds are named.
GENERIC_MODULES = tuple(sorted(
    str(path.relative_to(PACKAGE))
    for layer in ("common", "client", "rules", "lifecycle")
    for path in (PACKAGE / layer).glob("*.py")
    # catalogue: GitLab's table of kinds for the policy pack; user_rules: GitLab's reserved user names;
    # managers: the python-gitlab managers python-gitlab lacks, route by route, as gitlab/v4/objects declares its own
    if path.name not in ("__init__.py", "catalogue.py", "user_rules.py", "managers.py")
)) + ("kinds/base.py",)
KIND_MODULES = {"project_access_token", "group_access_token", "personal_access_token",
                "group_service_account_access_token", "project_service_account_access_token", "resource_tokens"}
#: Words a kind uses that are also fields of every token GitLab returns: a user's token has
#: ``user_id`` as its parent, and generic code reads ``user_id`` from every token record.
TOKEN_RECORD_FIELDS = {"user_id"}


def _kind_words() -> set[str]:
    words: set[str] = set()
    for kind in kinds.ALL:
        words |= {kind.parent, kind.collection, kind.resource_name, kind.type_token, kind.manager}
        words |= {route for route in vars(kind.routes).values() if route}
    return words - TOKEN_RECORD_FIELDS


def _kind_identifiers() -> set[str]:
    """Python names that stand for a kind (``m.group(1)`` or a variable ``project`` do not)."""
    names = {"PROJECT", "GROUP"}
    for kind in kinds.ALL:
        names |= {kind.resource_name, f"{kind.resource_name}Provider", kind.manager}
    return names


def _names_of_kinds(path: Path) -> list[str]:
    words = _kind_words()
    identifiers = _kind_identifiers()
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in words:
            found.append(f"line {node.lineno}: the string {node.value!r}")
        elif isinstance(node, ast.Name) and node.id in identifiers:
            found.append(f"line {node.lineno}: the name {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in identifiers:
            found.append(f"line {node.lineno}: the attribute .{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported = {alias.name for alias in node.names} | {getattr(node, "module", None) or ""}
            modules = {part for name in imported for part in name.split(".")}
            if modules & (KIND_MODULES | identifiers):
                found.append(f"line {node.lineno}: an import of {sorted(modules & (KIND_MODULES | identifiers))}")
    return found


@pytest.mark.parametrize("module", GENERIC_MODULES)
def test_generic_modules_name_no_kind(module):
    assert _names_of_kinds(PACKAGE / module) == [], f"{module} names a kind; put it in the kind's declaration"


def test_the_scan_finds_a_kind_where_one_is_named(tmp_path):
    named = tmp_path / "named.py"
    named.write_text('from .kinds import PROJECT\nKEYS = ("group", "name")\nif kind is kinds.GROUP: pass\n'
                     'path = "/projects/{parent}/access_tokens"\nfrom .kinds import project_access_token\n')
    assert len(_names_of_kinds(named)) == 5


def test_every_registered_kind_is_reachable_by_type_token_and_has_a_provider_class():
    assert set(kinds.BY_TYPE_TOKEN) == {kind.type_token for kind in kinds.ALL}
    for kind in kinds.ALL:
        assert provider_class(kind).kind is kind


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda k: k.resource_name)
def test_routes_agree_with_the_python_gitlab_manager(kind):
    """The routes errors name are the ones the manager calls."""
    def route_of(manager) -> str:
        segments = iter(("parent", *kind.route_inputs))
        return re.sub(r"\{\w+\}", lambda _: "{" + next(segments) + "}", manager._path)

    assert route_of(python_gitlab_manager(kind.manager)) == kind.routes.list
    assert route_of(python_gitlab_manager(kind.create_manager or kind.manager)) == kind.routes.create
    # A list route outside the parent narrows by a filter the manager knows.
    filters = kind.listing.query("7")
    assert not filters or ("{parent}" not in kind.routes.list
                           and set(filters) <= set(python_gitlab_manager(kind.manager)._list_filters))
    # One token's routes are under the list's, unless the manager names where they are (a runner's /runners/:id).
    manager = python_gitlab_manager(kind.manager)
    one = getattr(manager, "_by_id_path", kind.routes.list)
    assert kind.routes.get in (None, kind.routes.revoke) and kind.routes.revoke == f"{one}/{{id}}"
    # A kind without a rotate route (deploy tokens) has no rotate method to call either.
    rotate = getattr(manager, "_rotate_action", "rotate")
    assert kind.routes.rotate == (f"{one}/{{id}}/{rotate}" if kind.rotates else None)
    assert hasattr(manager, "rotate") == kind.rotates
    assert (kind.routes.get is None) == isinstance(kind.reading, parts.ByListing)


# --- a toy kind, declared only as data -----------------------------------------------------------

WIDGET_SCOPES = ("read_widget", "write_widget")

WIDGET = TokenKind(
    resource_name="WidgetToken",
    type_token="gitlab-tokens:index:WidgetToken",
    routes=Routes(create="/widgets/{parent}/tokens", get="/widgets/{parent}/tokens/{id}",
                  list="/widgets/{parent}/tokens", revoke="/widgets/{parent}/tokens/{id}"),
    manager=kinds.GROUP.manager,  # never called: check and diff make no API call
    inputs=(
        InputField("widget", inputs.parse_parent, OnChange.REPLACE, comparisons.as_plain),
        InputField("name", inputs.parse_name, OnChange.REPLACE, comparisons.as_plain),
        InputField("scopes", inputs.parse_scopes, OnChange.REPLACE, comparisons.as_scope_set),
        InputField("expires_at", None, OnChange.ROTATE, comparisons.as_plain, planned=True),
        InputField("rotation_configuration", None, OnChange.ROTATE, comparisons.as_plain),
    ),
    outputs=(
        OutputField("token", lambda answer, _: None, secret=True),
        OutputField("token_id", lambda answer, _: int(answer["id"])),
    ),
    scopes=WIDGET_SCOPES,
    scopes_owner="widget tokens",
    home=parts.Parent("widget", "widgets", "acme/gadget"),
    creators=parts.Members("Owner"),
    holder=parts.OwnUser(),
    renewal=parts.Replacement(),
    label="widget token",
)
TODAY = dt.date(2026, 3, 10)
ROTATION = {"expiration_days": 30, "rotate_before_days": 7}


@pytest.fixture
def widget_provider(monkeypatch) -> AccessTokenProvider:
    monkeypatch.setenv("GITLAB_TESTING_TIME", "2026-03-10T12:00:00Z")
    provider = provider_class(WIDGET)()
    provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": "http://127.0.0.1:9",
                                                "gitlab-tokens:previewChecks": "false"}, "infra")))
    return provider


def test_a_toy_kind_checks_its_own_inputs(widget_provider):
    result = widget_provider.check({}, {"widget": "acme/gadget", "name": "w", "scopes": ["READ_widget"],
                                        "rotation_configuration": ROTATION})
    assert result.failures == []
    assert result.inputs == {"widget": "acme/gadget", "name": "w", "scopes": ["read_widget"],
                             "rotation_configuration": ROTATION, "expires_at": "2026-04-09",
                             "ownership_generation": 1}


def test_a_toy_kind_refuses_what_it_does_not_declare(widget_provider):
    result = widget_provider.check({}, {"widget": "acme/gadget", "name": "w", "scopes": ["api"],
                                        "access_level": "developer", "expires_at": "2026-04-01"})
    reasons = {f.property: f.reason for f in result.failures}
    assert reasons["scopes"] == "unknown scope 'api'; widget tokens accept: read_widget, write_widget"
    assert reasons["access_level"].startswith("access_level is not an input of WidgetToken; the inputs are: widget,")
    assert set(reasons) == {"scopes", "access_level"}


def test_a_toy_kind_diffs_by_its_declaration(widget_provider):
    olds = {"widget": "acme/gadget", "name": "w", "scopes": ["read_widget", "write_widget"],
            "rotation_configuration": ROTATION, "expires_at": "2026-04-01", "token_id": 3.0, "token": "wt-x"}
    same = {**olds, "scopes": ["write_widget", "read_widget"]}
    assert (widget_provider.diff("acme/gadget:3", olds, same).changes) is False
    replaced = widget_provider.diff("acme/gadget:3", olds, {**same, "widget": "acme/other"})
    assert (replaced.changes, replaced.replaces, replaced.delete_before_replace) == (True, ["widget"], False)


def test_a_kind_without_a_rotate_route_replaces_in_the_rotation_window(widget_provider):
    due = {"widget": "acme/gadget", "name": "w", "scopes": ["read_widget"], "rotation_configuration": ROTATION,
           "expires_at": (TODAY + dt.timedelta(days=3)).isoformat(), "token_id": 3.0}
    checked = widget_provider.check(due, {k: due[k] for k in ("widget", "name", "scopes", "rotation_configuration")})
    assert checked.failures == [] and checked.inputs["expires_at"] == "2026-04-09"
    result = widget_provider.diff("acme/gadget:3", due, checked.inputs)
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, ["expires_at"], False)
    assert not WIDGET.rotates and not WIDGET.self_rotates and not WIDGET.has_access_level


def test_a_toy_kind_provider_pickles_by_reference():
    provider = provider_class(WIDGET)()
    pickled = dill.dumps(provider, recurse=True)
    assert b"WidgetTokenProvider" in pickled and len(pickled) < 200
    assert type(dill.loads(pickled)).kind is WIDGET


def test_a_kind_that_needs_no_expiry_checks_without_one(monkeypatch):
    monkeypatch.setenv("GITLAB_TESTING_TIME", "2026-03-10T12:00:00Z")
    news = {"widget": "acme/gadget", "name": "w", "scopes": ["read_widget"]}
    needing = provider_class(WIDGET)().check({}, news)
    assert [f.property for f in needing.failures] == ["expires_at"]
    undated = dataclasses.replace(WIDGET, resource_name="UndatedWidgetToken", lifetime=parts.FreeLifetime())
    assert provider_class(undated)().check({}, news).failures == []

"""Project and group CI/CD variables: GitLab's rules, storage and entity (moto's ``models.py`` for them).

Written from GitLab's source (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq), never from the
provider that the sandbox tests:

- the model: ``app/models/ci/variable.rb``, ``app/models/ci/group_variable.rb`` and their
  concerns ``Ci::HasVariable`` (``key``: present, at most 255 characters, letters, digits and
  ``_``, stripped; ``variable_type`` ``env_var`` or ``file``), ``Ci::Maskable`` (a masked value
  that is expanded must match ``REGEX``, one that is ``raw`` ``MASK_AND_RAW_REGEX``: both a single
  line of at least 8 characters without spaces), ``Ci::HidableVariable`` (hidden needs masked;
  neither ``hidden`` nor, on a hidden variable, ``masked`` may change on update),
  ``HasEnvironmentScope`` and the uniqueness of ``key`` per parent and ``environment_scope``;
- the API: ``lib/api/ci/variables.rb``, ``lib/api/group_variables.rb``,
  ``lib/api/helpers/variables_helpers.rb`` (``find_variable``: 409 when a key matches several
  scopes and no ``filter[environment_scope]`` picks one) and ``Entities::Ci::Variable`` (a
  hidden variable's ``value`` is ``null``, ``Ci::VariableValue``);
- who may manage them: ``admin_cicd_variables``, Maintainer on a project, Owner on a group.

Values are stored as GitLab stores them (it must give them back), and like token secrets they
never reach the request log: it holds only method, path and status.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from . import errors
from .permissions import Resource, access_level, is_admin
from .rules import MAINTAINER, OWNER
from .store import Store

VARIABLE_TYPES: Final = ("env_var", "file")
DEFAULT_ENVIRONMENT_SCOPE: Final = "*"
KEY_MAX_LENGTH: Final = 255
DESCRIPTION_MAX_LENGTH: Final = 255
ENVIRONMENT_SCOPE_MAX_LENGTH: Final = 255
#: ``Ci::HasVariable``'s key format and message.
KEY_PATTERN: Final = re.compile(r"[a-zA-Z0-9_]+")
KEY_MESSAGE: Final = "can contain only letters, digits and '_'."
#: ``Ci::Maskable::REGEX``: a masked value that is expanded (Base64 alphabet plus ``@ : . ~``).
MASKED_PATTERN: Final = re.compile(r"[a-zA-Z0-9_+=/@:.~-]{8,}")
#: ``Ci::Maskable::MASK_AND_RAW_REGEX`` (``\S{8,}``): a masked raw value. Ruby's ``\S`` excludes
#: only ASCII whitespace, where Python's would exclude every Unicode space too.
MASKED_RAW_PATTERN: Final = re.compile(r"[^ \t\r\n\f\v]{8,}")
#: ``Gitlab::Regex.environment_scope_regex`` and its message.
ENVIRONMENT_SCOPE_PATTERN: Final = re.compile(r"[a-zA-Z0-9_/${}. *-]+")
ENVIRONMENT_SCOPE_MESSAGE: Final = ("can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' "
                                    "and spaces")
HIDDEN_NEEDS_MASKED: Final = "should be true when variable is hidden"
#: ``Ci::HidableVariable#validate_masked_and_hidden_on_update`` (the 17.4 flag-era text said "Updating hidden
#: attribute is not allowed on updates."; ~17.9 and 19.2's request specs pin these).
HIDDEN_UNCHANGEABLE: Final = "Only new variables can be set as masked and hidden."
MASKED_OF_HIDDEN_UNCHANGEABLE: Final = "The visibility setting cannot be changed for masked and hidden variables."
MULTIPLE_MATCHES: Final = ("There are multiple variables with provided parameters. "
                           "Please use 'filter[environment_scope]'")
#: The role ``admin_cicd_variables`` needs.
MANAGER_LEVEL: Final = {"project": MAINTAINER, "group": OWNER}

@dataclass
class VariableFields:
    """The attributes a create or update sets; ``None`` leaves one as it is (or at its default)."""

    value: str | None = None
    variable_type: str | None = None
    protected: bool | None = None
    masked: bool | None = None
    hidden: bool | None = None
    raw: bool | None = None
    environment_scope: str | None = None
    description: str | None = None


def not_found(resource: Resource) -> errors.ApiError:
    """``not_found!('Variable')`` for projects, ``not_found!('GroupVariable')`` for groups."""
    return errors.not_found("Variable" if resource.kind == "project" else "GroupVariable")


def authorize(store: Store, user: sqlite3.Row, resource: Resource) -> None:
    """``authorize! :admin_cicd_variables``: 403 below Maintainer (project) or Owner (group)."""
    if not is_admin(user) and access_level(store, user, resource) < MANAGER_LEVEL[resource.kind]:
        raise errors.forbidden()


def entity(row: sqlite3.Row) -> dict[str, Any]:
    """``Entities::Ci::Variable``; a hidden variable's value is never given back."""
    return {
        "variable_type": row["variable_type"],
        "key": row["key"],
        "value": None if row["hidden"] else row["value"],
        "hidden": bool(row["hidden"]),
        "protected": bool(row["protected"]),
        "masked": bool(row["masked"]),
        "raw": bool(row["raw"]),
        "environment_scope": row["environment_scope"],
        "description": row["description"],
    }


def list_variables(store: Store, resource: Resource) -> list[sqlite3.Row]:
    return store.rows("SELECT * FROM ci_variables WHERE owner_type = ? AND owner_id = ? ORDER BY id",
                      (resource.kind, resource.id))


def matching(store: Store, resource: Resource, key: str, scope: str | None) -> list[sqlite3.Row]:
    """``Ci::VariablesFinder``: by key, and by environment scope when a filter names one."""
    sql = "SELECT * FROM ci_variables WHERE owner_type = ? AND owner_id = ? AND key = ?"
    args: list[Any] = [resource.kind, resource.id, key]
    if scope is not None:
        sql += " AND environment_scope = ?"
        args.append(scope)
    return store.rows(sql + " ORDER BY id", args)


def find_variable(store: Store, resource: Resource, key: str, scope: str | None) -> sqlite3.Row:
    """``find_variable`` then ``not_found!``: 409 when several scopes match and no filter picked one."""
    found = matching(store, resource, key, scope)
    if len(found) > 1:
        raise errors.conflict(MULTIPLE_MATCHES)
    if not found:
        raise not_found(resource)
    return found[0]


def _validate(store: Store, resource: Resource, key: str, fields: VariableFields, *, own_id: int | None,
              base: list[str]) -> None:
    """Run the model's validations in their declaration order; 400 with every failure by attribute.

    ``Ci::Variable``: the concerns' (key, masked value, hidden), ``HasEnvironmentScope``'s, then the
    class's own (description, key uniqueness - added to ``key``, which Rails lists first).
    """
    failures: dict[str, list[str]] = {}

    def fail(attribute: str, message: str) -> None:
        failures.setdefault(attribute, []).append(message)

    if not key:
        fail("key", "can't be blank")
    if len(key) > KEY_MAX_LENGTH:
        fail("key", f"is too long (maximum is {KEY_MAX_LENGTH} characters)")
    if not KEY_PATTERN.fullmatch(key):
        fail("key", KEY_MESSAGE)
    scope = fields.environment_scope if fields.environment_scope is not None else DEFAULT_ENVIRONMENT_SCOPE
    taken = store.rows("SELECT id FROM ci_variables WHERE owner_type = ? AND owner_id = ? AND key = ? "
                       "AND environment_scope = ? AND id IS NOT ?", (resource.kind, resource.id, key, scope, own_id))
    if key and taken:
        fail("key", f"({key}) has already been taken")
    value = fields.value or ""
    if fields.masked:
        pattern = MASKED_RAW_PATTERN if fields.raw else MASKED_PATTERN
        if not pattern.fullmatch(value):
            fail("value", "is invalid")
    if own_id is None and fields.hidden and not fields.masked:  # ``on: :create`` only
        fail("masked", HIDDEN_NEEDS_MASKED)
    if not scope:
        fail("environment_scope", "can't be blank")
    elif len(scope) > ENVIRONMENT_SCOPE_MAX_LENGTH:
        fail("environment_scope", f"is too long (maximum is {ENVIRONMENT_SCOPE_MAX_LENGTH} characters)")
    elif not ENVIRONMENT_SCOPE_PATTERN.fullmatch(scope):
        fail("environment_scope", ENVIRONMENT_SCOPE_MESSAGE)
    if fields.description is not None and len(fields.description) > DESCRIPTION_MAX_LENGTH:
        fail("description", f"is too long (maximum is {DESCRIPTION_MAX_LENGTH} characters)")
    for message in base:
        fail("base", message)
    if failures:
        raise errors.validation_failed(failures)


def create_variable(store: Store, resource: Resource, key: str, fields: VariableFields) -> sqlite3.Row:
    """``container.variables.create``: defaults, then every validation, then the row."""
    key = key.strip()  # ``Ci::HasVariable#key=``
    complete = VariableFields(
        value=fields.value or "", variable_type=fields.variable_type or "env_var",
        protected=bool(fields.protected), masked=bool(fields.masked), hidden=bool(fields.hidden),
        raw=bool(fields.raw),
        environment_scope=(fields.environment_scope.strip() if fields.environment_scope is not None
                           else DEFAULT_ENVIRONMENT_SCOPE),  # ``HasEnvironmentScope#environment_scope=`` strips
        description=fields.description)
    _validate(store, resource, key, complete, own_id=None, base=[])
    new_id = store.insert_row("ci_variables", {
        "owner_type": resource.kind, "owner_id": resource.id, "key": key, "value": complete.value,
        "variable_type": complete.variable_type, "protected": int(bool(complete.protected)),
        "masked": int(bool(complete.masked)), "hidden": int(bool(complete.hidden)), "raw": int(bool(complete.raw)),
        "environment_scope": complete.environment_scope, "description": complete.description})
    return _row(store, new_id)


def update_variable(store: Store, resource: Resource, current: sqlite3.Row, fields: VariableFields) -> sqlite3.Row:
    """``variable.update(params.except(:key))``: the given attributes over the stored ones, validated again."""
    merged = VariableFields(
        value=fields.value if fields.value is not None else current["value"],
        variable_type=fields.variable_type or current["variable_type"],
        protected=bool(current["protected"]) if fields.protected is None else fields.protected,
        masked=bool(current["masked"]) if fields.masked is None else fields.masked,
        hidden=bool(current["hidden"]) if fields.hidden is None else fields.hidden,
        raw=bool(current["raw"]) if fields.raw is None else fields.raw,
        environment_scope=(current["environment_scope"] if fields.environment_scope is None
                           else fields.environment_scope.strip()),
        description=current["description"] if fields.description is None else fields.description)
    base: list[str] = []
    hidden_changed = bool(merged.hidden) != bool(current["hidden"])
    masked_changed = bool(merged.masked) != bool(current["masked"])
    if hidden_changed:
        base.append(HIDDEN_UNCHANGEABLE)
    elif masked_changed and merged.hidden:
        base.append(MASKED_OF_HIDDEN_UNCHANGEABLE)
    _validate(store, resource, current["key"], merged, own_id=current["id"], base=base)
    store.run("""UPDATE ci_variables SET value = ?, variable_type = ?, protected = ?, masked = ?, raw = ?,
                 environment_scope = ?, description = ? WHERE id = ?""",
              (merged.value, merged.variable_type, int(bool(merged.protected)), int(bool(merged.masked)),
               int(bool(merged.raw)), merged.environment_scope, merged.description, current["id"]))
    return _row(store, current["id"])


def delete_variable(store: Store, row: sqlite3.Row) -> None:
    store.run("DELETE FROM ci_variables WHERE id = ?", (row["id"],))


def _row(store: Store, variable_id: int) -> sqlite3.Row:
    found = store.rows("SELECT * FROM ci_variables WHERE id = ?", (variable_id,))
    return found[0]

#!/usr/bin/env python3
"""The reference tables of docs/resources.md, generated from the resources' declarations.

Which inputs and outputs each resource has, which are required, their defaults,
what a change does, the scopes each kind accepts, its type token and resource id
all come from the code (``kinds/*``, ``variables.py``, ``variable_inputs.py``,
``group_service_account.py``, ``catalogue.py``). What a field is, where the tables
say it as the schema and the classes do, comes from ``kinds/field_facts.py``; only
the words the tables alone say (constraints, what differs by kind) live here, keyed
by field name; a declared field with no words, or words for a field no resource
declares, is an error naming it.

Each table sits in docs/resources.md between ``<!-- generated: NAME -->`` and
``<!-- end generated -->``; everything outside the markers is hand-written. A
test regenerates the file and compares the bytes.

    .venv/bin/python toolchain/reference_tables.py generate   # rewrite the tables
    .venv/bin/python toolchain/reference_tables.py check      # exit 1 if a table is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Mapping, Union

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.kinds import deploy_token_fields, field_facts, parts, runner_fields
from pulumi_gitlab_tokens.kinds.base import InputField, OnChange, TokenKind
from pulumi_gitlab_tokens.lifecycle.stored import PREDECESSORS_KEY
from pulumi_gitlab_tokens.rules import comparisons, ownership
from pulumi_gitlab_tokens.service_accounts import provider as service_accounts
from pulumi_gitlab_tokens.variables import inputs as variable_inputs
from pulumi_gitlab_tokens.variables import provider as variables

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "resources.md"

BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w:-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)

#: Words for a field: plain text, or a function of the kind for what differs by kind.
Text = Union[str, Callable[[TokenKind], str]]


def _fact(name: str, prefix: str = "") -> str:
    """The field's description from ``kinds/field_facts.py``, as a table cell: after ``prefix`` its first
    word in lower case (unless a name like ``GitLab``), without the final full stop."""
    text = field_facts.facts(name).description.removesuffix(".")
    first = text.split(" ", 1)[0]
    if prefix and first[1:].islower():
        text = text[0].lower() + text[1:]
    return prefix + text


def _scopes(kind: TokenKind) -> str:
    """The kind's scopes, listed from its declaration, with the catalogue's name for the list."""
    names = [name for name, value in vars(catalogue).items()
             if name.endswith("_SCOPES") and isinstance(value, tuple) and value == kind.scopes]
    listed = ", ".join(f"`{scope}`" for scope in kind.scopes)
    source = f" (`catalogue.{names[0]}`)" if names else ""
    return f"at least one of {listed}{source}"


def _parent(kind: TokenKind) -> str:
    if kind.parent == "user_id":
        return "the user's positive numeric id (no username)"
    top = {kinds.GROUP_SERVICE_ACCOUNT: ", of a top-level group before GitLab 18.11 (subgroups too from 18.11)",
           kinds.PROJECT_SERVICE_ACCOUNT: ", on GitLab 18.11 or later"}.get(kind, "")
    return f"positive numeric id or full path (`{kind.parent_example}`){top}"


def _name(kind: TokenKind) -> str:
    if isinstance(kind.mark, parts.AfterName):
        return (f"string, at most {deploy_token_fields.NAME_MAX_LENGTH} characters (GitLab's "
                f"{catalogue.NAME_MAX_LENGTH} less the [ownership mark](ownership.md), which goes at the end of a "
                "deploy token's name); no control or bidirectional formatting characters")
    return (f"string, at most {catalogue.NAME_MAX_LENGTH} characters, no control or bidirectional formatting "
            "characters")


#: Both ways a date may be written: GitLab's, and the RFC 3339 time pulumi-gitlab uses for deploy tokens.
_DATE_FORMS = "`YYYY-MM-DD`, or an RFC 3339 time at midnight UTC (`2027-02-05T00:00:00Z`)"


def _expires_at(kind: TokenKind) -> str:
    if isinstance(kind.lifetime, parts.CappedLifetime):
        return (f"{_DATE_FORMS}, instead of `rotation_configuration`; at most the instance's maximum lifetime "
                f"({catalogue.MAX_LIFETIME_DAYS} days unless `gitlab-tokens:maxTokenLifetimeDays` says otherwise)")
    return (f"{_DATE_FORMS}, instead of `rotation_configuration`; no lifetime cap, "
            "as GitLab has none for deploy tokens; neither: the token never expires")


def _rotation_configuration(kind: TokenKind) -> str:
    text = "`expiration_days`, `rotate_before_days` (smaller)"
    if kind.overlaps:
        text += (", optional `grace_period_days` (smaller still; see [overlap](rotation.md#rotation-with-overlap)); "
                 "a change of `grace_period_days` alone changes the state only")
    return text + "; see [Rotation](rotation.md)"


def _description_room(kind: TokenKind) -> int:
    """The longest description the kind's parser takes (a runner's is GitLab's 1,024 less the mark)."""
    parse = next((f.parse for f in kind.inputs if f.name == "description"), None)
    return runner_fields.DESCRIPTION_MAX_LENGTH if parse is runner_fields.parse_description \
        else ownership.USER_DESCRIPTION_MAX_LENGTH


#: Token inputs: what each holds. The columns "Default" and "Change" come from the declarations.
TOKEN_INPUTS: Mapping[str, Text] = {
    "project": _parent,
    "group": _parent,
    "user_id": lambda kind: (_parent(kind) if kind.parent == "user_id" else
                             "the service account's positive numeric user id "
                             f"(`{kind.resource_name.removesuffix('AccessToken')}.service_account_id`)"),
    "agent_id": "the agent's positive numeric id (pulumi-gitlab's `ClusterAgent.agent_id`)",
    "name": _name,
    "scopes": _scopes,
    "username": ("letters, digits, `_`, `-`, `+`, `.`; at most "
                 f"{catalogue.NAME_MAX_LENGTH}; presented with `token` as the credential"),
    "access_level": ("`guest`, `planner`, `reporter`, `developer`, `maintainer`, `owner`, or GitLab's number; "
                     "the role of the token's bot user"),
    "description": lambda kind: (
        f"string, at most {_description_room(kind)} characters (GitLab's "
        f"{_description_room(kind) + ownership.MARK_ROOM} less the [ownership mark](ownership.md)), no control or "
        "bidirectional formatting characters"
        + ("" if "update" in {f.on_change.value for f in kind.inputs} else "; GitLab cannot edit it")),
    "expires_at": _expires_at,
    "rotation_configuration": _rotation_configuration,
    "validate_past_expiration_date": _fact("validate_past_expiration_date", "bool: "),
    "paused": "bool: the runner takes no new jobs; left out, GitLab's value stands (so for every runner setting)",
    "locked": "bool: the runner cannot be assigned to other projects",
    "run_untagged": "bool: the runner also takes jobs without tags (GitLab's default: true)",
    "tag_list": (f"list of at most {runner_fields.TAG_LIST_MAX_LENGTH} tags, each a non-empty string without "
                 "commas; compared as a set"),
    "maximum_timeout": f"whole seconds a job may run on the runner, at least {runner_fields.MINIMUM_TIMEOUT}",
    "maintenance_note": f"free text for administrators, at most {runner_fields.TEXT_MAX_LENGTH} characters",
    "adopt_token_id": (_fact("adopt_token_id")
                       + "; see [Adopting an existing token](recovery.md#adopting-an-existing-token)"),
}

#: Defaults the declarations do not hold (the resource class fills them in, or GitLab does).
TOKEN_DEFAULTS: Mapping[str, Text] = {
    "name": "the resource name",
    "username": "GitLab's `gitlab+deploy-token-<id>`",
    "expires_at": lambda kind: ("one of the two is required" if kind.lifetime.required else "none"),
    "rotation_configuration": lambda kind: ("one of the two is required" if kind.lifetime.required else "none"),
}

#: Token outputs: what each holds.
TOKEN_OUTPUTS: Mapping[str, Text] = {
    "token": lambda kind: ("the `gldt-` value" if isinstance(kind.mark, parts.AfterName) else "the token value"),
    "token_id": lambda kind: ("GitLab's id of the current token (new at each "
                              + ("rotation" if kind.rotates else "replacement") + "); an `int` in programs"),
    "user_id": lambda kind: ("the token's bot user (kept across rotations, new at an overlap); an `int` in programs"
                             if isinstance(kind.holder, parts.BotUser) else
                             "the service account, shared by all its tokens; an `int` in programs"),
    "username": "the username to present with `token` (`docker login -u <username>`)",
    "active": "GitLab's state of the token at the last create, rotate or refresh",
    "expired": "GitLab's state of the token at the last create or refresh",
    "revoked": lambda kind: ("GitLab's state of the token at the last create, rotate or refresh" if kind.rotates
                             else "GitLab's state of the token at the last create or refresh"),
    "created_at": _fact("created_at"),
    "created_by_user_id": _fact("created_by_user_id"),
    "status": _fact("status"),
    "last_used_at": _fact("last_used_at"),
    "token_expires_at": "when the runner's token expires, as GitLab answered at the create or reset; none unless "
                        "the instance, group or project sets a runner-token expiration interval",
    "paused": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "locked": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "run_untagged": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "tag_list": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "maximum_timeout": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "maintenance_note": "as GitLab reports it (GitLab's default when the program leaves it out)",
    "expires_at": lambda kind: ("expiry date (`YYYY-MM-DD`)" if kind.lifetime.required
                                else "expiry date (`YYYY-MM-DD`), none for never"),
    "name": "as GitLab reports it, without the ownership mark",
    "scopes": "as GitLab reports them",
    "description": "as GitLab reports it, without the ownership mark",
    "ownership_mark": "the [ownership mark](ownership.md) GitLab keeps at the end of the description, sent again "
                      "with each edit",
    "access_level": "as GitLab reports it, as a name",
    "impersonation": "always `true`: GitLab's mark of an impersonation token",
    PREDECESSORS_KEY: ("only during a [grace period](rotation.md#rotation-with-overlap): each superseded token's id "
                       "and the day it is revoked on (no secret)"),
}

#: CI/CD variable inputs: what each holds and its default.
VARIABLE_INPUTS: Mapping[str, tuple[str, str]] = {
    "project": ("numeric id or full path, as for tokens", "required"),
    "group": ("numeric id or full path, as for tokens", "required"),
    "key": (f"1 to {variable_inputs.MAX_KEY_LENGTH} letters, digits and `_`", "required"),
    "value": ("string; **always a secret**, in the state's inputs and outputs, even if the program passed a plain "
              "string; masked or hidden values follow the [masking rules](#masking-rules)", "required"),
    "variable_type": (" or ".join(f"`{t}`" for t in variable_inputs.VARIABLE_TYPES), f"`{variable_inputs.VARIABLE_TYPES[0]}`"),
    "protected": (_fact("protected", "bool: "), "`false`"),
    "masked": (_fact("masked", "bool: "), "`false` (`true` when `hidden`)"),
    "hidden": (_fact("hidden", "bool: "), "`false`"),
    "raw": (_fact("raw", "bool: "), "`false`"),
    "environment_scope": ("environments that get it: letters, digits, spaces, `- _ / $ { } . *`",
                          f"`{variable_inputs.DEFAULT_ENVIRONMENT_SCOPE}`"),
    "description": (f"at most {variable_inputs.MAX_USER_DESCRIPTION_LENGTH} characters (GitLab's "
                    f"{variable_inputs.MAX_DESCRIPTION_LENGTH} less the [ownership mark](ownership-variables-and-accounts.md)), "
                    "no control or bidirectional formatting characters", "none"),
    "delivered_token_id": (_fact("delivered_token_id", "set by the package, not by programs: ")
                           + "; never sent to GitLab ([rotation delivery](rotation-delivery.md))", "none"),
}

#: Service account inputs and outputs: what each holds and its default (the parent's by its input).
SERVICE_ACCOUNT_FIELDS: Mapping[str, tuple[str, str]] = {
    "group": ("group id or full path (top-level before GitLab 18.11)", "required"),
    "project": ("project id or full path (GitLab 18.11 and later)", "required"),
    "name": ("string", "GitLab's `Service account user`"),
    "username": ("string", "GitLab's `service_account_<group or project>_<id>_<hex>`"),
    "email": ("string with an `@`", "GitLab's `<username>@noreply.<host>`"),
    "service_account_id": (_fact("service_account_id", "output, an `int`: "), ""),
}

_ON_CHANGE: Mapping[OnChange, Callable[[TokenKind, InputField], str]] = {
    OnChange.REPLACE: lambda kind, field: "replaces" + (
        " (order does not matter)" if field.compare is comparisons.as_scope_set else ""),
    OnChange.ROTATE: lambda kind, field: ("rotates in place" if kind.rotates
                                          else "replaces (GitLab has no rotate API for this kind)"),
    OnChange.IN_PLACE: lambda kind, field: "state only: GitLab is not called",
    OnChange.UPDATE: lambda kind, field: "edits the token in place (one call; same id and value)",
}


def _words(table: Mapping[str, Text], name: str, kind: TokenKind, where: str) -> str:
    if name not in table:
        raise ValueError(f"{kind.resource_name} declares {where} {name!r}, which toolchain/reference_tables.py "
                         f"does not describe: add it to {'TOKEN_INPUTS' if where == 'input' else 'TOKEN_OUTPUTS'}")
    text = table[name]
    return text(kind) if callable(text) else text


def _default(kind: TokenKind, field: InputField) -> str:
    if field.name in TOKEN_DEFAULTS:
        text = TOKEN_DEFAULTS[field.name]
        return text(kind) if callable(text) else text
    if field.default is not None:
        return f"`{field.default}`"
    return "none" if field.optional else "required"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def token_inputs(kind: TokenKind) -> str:
    return _table(("Input", "Type", "Default", "Change"), (
        (f"`{field.name}`", _words(TOKEN_INPUTS, field.name, kind, "input"), _default(kind, field),
         _ON_CHANGE[field.on_change](kind, field))
        for field in kind.inputs))


def token_outputs(kind: TokenKind) -> str:
    rows = []
    for field in kind.outputs:
        words = _words(TOKEN_OUTPUTS, field.name, kind, "output")
        rows.append((f"`{field.name}`", words + ("; **always a secret**" if field.secret else "")))
    if kind.overlaps:
        rows.append((f"`{PREDECESSORS_KEY}`", TOKEN_OUTPUTS[PREDECESSORS_KEY]))
    return _table(("Output", "Meaning"), rows)


def resource_id(kind: TokenKind) -> str:
    return "`" + ":".join([f"<{kind.parent}>", *(f"<{name}>" for name in kind.route_inputs), "<token id>"]) + "`"


def kinds_summary() -> str:
    """One row per token kind: what it is, who may manage it, how it renews."""
    return _table(("Resource", "Type token", "Resource id", "Credential's user needs", "Rotation", "Overlap",
                   "`adopt_token_id`"), (
        (f"`{kind.resource_name}`", f"`{kind.type_token}`", resource_id(kind),
         kind.manager_role + (" (GitLab's administrator API)" if isinstance(kind.creators, parts.Administrators) else ""),
         "in place (GitLab's rotate API)" if kind.rotates else "replaces (no rotate API)",
         "yes" if kind.overlaps else "no",
         "yes" if adoption_input_declared(kind) else "no")
        for kind in kinds.ALL))


def adoption_input_declared(kind: TokenKind) -> bool:
    return "adopt_token_id" in kind.input_names


def variable_inputs_table() -> str:
    def change(name: str) -> str:
        if name in variables.IN_PLACE:
            return "in place (one PUT)"
        if name in variables.CREATE_ONLY:
            return "replaces (GitLab fixes it at creation)"
        if name in variables.IDENTITY:
            return "replaces"
        if name in variables.RECORDED:
            return "in place (recorded by the PUT that sets the value)"
        raise ValueError(f"variable input {name!r} is in none of variables.IN_PLACE, CREATE_ONLY, IDENTITY and RECORDED")

    names = ["project / group", *variable_inputs.VARIABLE_INPUTS]
    unknown = sorted(set(VARIABLE_INPUTS) - {"project", "group", *variable_inputs.VARIABLE_INPUTS})
    missing = [name for name in variable_inputs.VARIABLE_INPUTS if name not in VARIABLE_INPUTS]
    if unknown or missing:
        raise ValueError(f"toolchain/reference_tables.py VARIABLE_INPUTS is out of step with the variables' "
                         f"inputs: undescribed {missing}, described but not declared {unknown}")
    rows = [("`project` / `group`", *VARIABLE_INPUTS["project"], "replaces")]
    rows += [(f"`{name}`", *VARIABLE_INPUTS[name], change(name)) for name in names[1:]]
    return _table(("Input", "Type", "Default", "Change"), rows)


def service_account_table(home: service_accounts.AccountHome) -> str:
    declared = (*home.inputs, *service_accounts.COMPUTED)
    undescribed = sorted(set(declared) - set(SERVICE_ACCOUNT_FIELDS))
    if undescribed:
        raise ValueError(f"toolchain/reference_tables.py SERVICE_ACCOUNT_FIELDS does not describe "
                         f"{home.resource_name}'s fields {undescribed}")
    rows = []
    for name in declared:
        words, default = SERVICE_ACCOUNT_FIELDS[name]
        if name in service_accounts.COMPUTED:
            change = ""
        elif name == home.parent:
            change = "replaces"
        else:
            change = "a given one replaces (leaving one out keeps GitLab's)"
        rows.append((f"`{name}`", words, default, change))
    return _table(("Field", "Type", "Default", "Change"), rows)


def blocks() -> dict[str, str]:
    """Every generated table, by the name its markers carry."""
    result = {"kinds": kinds_summary(), "variable-inputs": variable_inputs_table()}
    for home in (service_accounts.GROUP_ACCOUNTS, service_accounts.PROJECT_ACCOUNTS):
        result[f"service-account:{home.resource_name}"] = service_account_table(home)
    for kind in kinds.ALL:
        result[f"inputs:{kind.resource_name}"] = token_inputs(kind)
        result[f"outputs:{kind.resource_name}"] = token_outputs(kind)
    return result


def render(text: str) -> str:
    """``text`` with every generated block filled in; every table must have its markers, once."""
    tables = blocks()
    found = [match.group("name") for match in BLOCK.finditer(text)]
    missing = sorted(set(tables) - set(found))
    unknown = sorted(set(found) - set(tables))
    repeated = sorted({name for name in found if found.count(name) > 1})
    if missing or unknown or repeated:
        raise ValueError(f"docs/resources.md markers: missing {missing}, unknown {unknown}, repeated {repeated}")
    return BLOCK.sub(lambda m: m.group(1) + tables[m.group("name")] + m.group(4), text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("generate", "check"))
    command = parser.parse_args(argv).command
    current = DOC.read_text(encoding="utf-8")
    expected = render(current)
    if command == "generate":
        if expected != current:
            DOC.write_text(expected, encoding="utf-8")
            print("rewrote docs/resources.md")
        return 0
    if expected != current:
        print("docs/resources.md is stale: run toolchain/reference_tables.py generate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

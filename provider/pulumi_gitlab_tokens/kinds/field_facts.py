"""What each field is, by its snake_case name, once for every resource and face that has it.

A kind's declaration (:class:`~.base.InputField`, :class:`~.base.OutputField`) says which
fields it has and what they do; this table says what a field *is*: its type in the
package schema, the words describing it, and its Python annotations. The native schema
(``native/schema.py``), the generated Python classes and list functions
(``resources/_generated.py``, ``make faces``) and the reference tables of
docs/resources.md read it; a field missing here fails their build, naming it.
Descriptions are Markdown (single backticks) and name fields in snake_case: the Python face
turns them into reST, the native schema spells the names in camelCase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Mapping

from ..common import catalogue
from ..rules import ownership
from .base import TokenKind

#: The package schema's object types the fields refer to.
ROTATION_TYPE: Final = catalogue.NATIVE_TYPE_PREFIX + "RotationConfiguration"
PREDECESSOR_TYPE: Final = catalogue.NATIVE_TYPE_PREFIX + "Predecessor"

_STRING: Final[Mapping[str, Any]] = {"type": "string"}
_INTEGER: Final[Mapping[str, Any]] = {"type": "integer"}
_BOOLEAN: Final[Mapping[str, Any]] = {"type": "boolean"}


@dataclass(frozen=True)
class FieldFacts:
    """One field: its schema type and description, and how the Python face types it."""

    #: Its type in the package schema (JSON schema, Pulumi's dialect).
    schema: Mapping[str, Any]
    description: str
    #: The value a program passes, as a Python annotation (a list function's parameter);
    #: ``None`` for a field no program passes.
    python: str | None = None
    #: The resource keyword's annotation, when not ``pulumi.Input[<python>]`` (a list of inputs).
    python_input: str | None = None
    #: The type the engine hands back, ``pulumi.Output[...]`` of it on the resource class. It
    #: decides conversions: the engine's numbers are doubles, and only an ``int`` here turns
    #: ``54.0`` back into ``54``; a ``dict`` value under a non-``dict`` type fails the SDK.
    python_output: str | None = None
    #: A program may leave it out where the declaration checks it: ``name`` defaults to the
    #: resource name, and ``expires_at`` and ``rotation_configuration`` are one of two.
    optional_in_programs: bool = False

    @property
    def input_annotation(self) -> str:
        if self.python_input is not None:
            return self.python_input
        if self.python is None:
            raise ValueError("a field no program passes has no input annotation")
        return f"pulumi.Input[{self.python}]"


_PARENT = "Union[str, int]"

#: Every resource field, by its snake_case name.
FIELDS: Final[Mapping[str, FieldFacts]] = {
    "project": FieldFacts(_STRING, "The project's numeric id or full path (`acme/app`). Changing it replaces the "
                                   "resource.", _PARENT, python_output="str"),
    "group": FieldFacts(_STRING, "The group's numeric id or full path (`acme/platform`). Changing it replaces the "
                                 "resource.", _PARENT, python_output="str"),
    "user_id": FieldFacts(_INTEGER, "A user's numeric id: a personal access token's user, a service account "
                                    "token's account (a `GroupServiceAccount`'s `service_account_id`), a project "
                                    "or group token's bot user.", "int", python_output="int"),
    "agent_id": FieldFacts(_INTEGER, "The id of the project's agent for Kubernetes (a `ClusterAgent`'s `agent_id`). "
                                     "Changing it replaces the resource.", "int", python_output="int"),
    "name": FieldFacts(_STRING, "The name; a token's defaults to the resource's name. Changing it replaces the "
                                "resource.", "str", python_output="str", optional_in_programs=True),
    "scopes": FieldFacts({"type": "array", "items": _STRING}, "The token's scopes, at least one.", "Sequence[str]",
                         python_input="pulumi.Input[Sequence[pulumi.Input[str]]]", python_output="list[str]"),
    "access_level": FieldFacts(_STRING, "The role of the token's bot user, by name (`developer`) or number (30); "
                                        f"default `{catalogue.DEFAULT_ACCESS_LEVEL}`.", "Union[str, int]",
                               python_output="str"),
    "description": FieldFacts(_STRING, "The description shown in GitLab (at most "
                                       f"{ownership.USER_DESCRIPTION_MAX_LENGTH} characters: the provider's ownership "
                                       f"mark takes the rest of GitLab's {catalogue.DESCRIPTION_MAX_LENGTH}). Changing "
                                       "it replaces a token or runner, or edits a pipeline trigger in place; a runner's "
                                       "may be up to 1,024 characters less the mark.", "str",
                              python_output="Optional[str]"),
    "expires_at": FieldFacts(_STRING, "Fixed expiry date `YYYY-MM-DD`; exclusive with `rotation_configuration`.",
                             "str", python_output="str", optional_in_programs=True),
    "rotation_configuration": FieldFacts({"$ref": f"#/types/{ROTATION_TYPE}"},
                                         "Renew the token automatically; exclusive with `expires_at`.",
                                         "RotationConfigurationInput", python_output="Optional[dict]",
                                         optional_in_programs=True),
    "validate_past_expiration_date": FieldFacts(_BOOLEAN, "Accepted for pulumi-gitlab compatibility; past dates are "
                                                          "always refused at preview.", "bool",
                                                python_output="Optional[bool]"),
    "adopt_token_id": FieldFacts(_INTEGER, "Id of an existing token to adopt instead of creating one: the create "
                                           "checks it matches the declared inputs, then rotates it into this "
                                           "resource (the old value stops working); read only at creation.", "int",
                                 python_output="Optional[int]"),
    "username": FieldFacts(_STRING, "The username; GitLab makes one up when it is not given (a deploy token's "
                                    "`gitlab+deploy-token-<id>`).", "str", python_output="str"),
    "email": FieldFacts(_STRING, "The service account's email; GitLab makes one up when it is not given.", "str",
                        python_output="str"),
    "token": FieldFacts(_STRING, "The token's value: always a secret; GitLab shows it only at creation and rotation.",
                        python_output="str"),
    "token_id": FieldFacts(_INTEGER, "GitLab's id of the current token (a rotation changes it, not the resource id).",
                           python_output="int"),
    "active": FieldFacts(_BOOLEAN, "Whether GitLab counts the token as active.", python_output="bool"),
    "revoked": FieldFacts(_BOOLEAN, "Whether the token was revoked.", python_output="bool"),
    "expired": FieldFacts(_BOOLEAN, "Whether the deploy token has expired.", python_output="bool"),
    "created_at": FieldFacts(_STRING, "When GitLab created the token (an RFC 3339 time).", python_output="str"),
    "impersonation": FieldFacts(_BOOLEAN, "Always true: GitLab's mark of an impersonation token.",
                                python_output="bool"),
    "created_by_user_id": FieldFacts(_INTEGER, "The id of the user who created the token.",
                                     python_output="Optional[int]"),
    "status": FieldFacts(_STRING, "GitLab's state of the token (`active` or `revoked`), or of a runner "
                                  "(`online`, `offline`, `never_contacted`, `stale`).", python_output="str"),
    "token_expires_at": FieldFacts(_STRING, "When the runner's token expires (an RFC 3339 time), as GitLab answered "
                                            "at the create or reset; none unless a runner-token expiration interval "
                                            "is set.", python_output="Optional[str]"),
    "paused": FieldFacts(_BOOLEAN, "The runner takes no new jobs.", "bool", python_output="Optional[bool]"),
    "locked": FieldFacts(_BOOLEAN, "The runner cannot be assigned to other projects.", "bool",
                         python_output="Optional[bool]"),
    "run_untagged": FieldFacts(_BOOLEAN, "The runner also takes jobs without tags (GitLab's default: true).", "bool",
                               python_output="Optional[bool]"),
    "tag_list": FieldFacts({"type": "array", "items": _STRING}, "The runner's tags (at most 50), compared as a set.",
                           "Sequence[str]", python_input="pulumi.Input[Sequence[pulumi.Input[str]]]",
                           python_output="Optional[list[str]]"),
    "maximum_timeout": FieldFacts(_INTEGER, "Seconds a job may run on the runner, at least 600.", "int",
                                  python_output="Optional[int]"),
    "maintenance_note": FieldFacts(_STRING, "Free text for administrators (at most 1,024 characters).", "str",
                                   python_output="Optional[str]"),
    "last_used_at": FieldFacts(_STRING, "When the token was last used, if GitLab knows.",
                               python_output="Optional[str]"),
    "ownership_mark": FieldFacts(_STRING, "The ownership mark GitLab keeps at the end of the description, sent "
                                          "again with each edit.", python_output="str"),
    "predecessors": FieldFacts({"type": "array", "items": {"$ref": f"#/types/{PREDECESSOR_TYPE}"}},
                               "Tokens an overlapping rotation superseded, still valid until their revoke day."),
    "service_account_id": FieldFacts(_INTEGER, "The service account's user id, for its tokens' `user_id`.",
                                     python_output="int"),
    "key": FieldFacts(_STRING, "The variable's key. Changing it replaces the variable.", "str", python_output="str"),
    "value": FieldFacts(_STRING, "The variable's value: always a secret.", "str", python_output="str"),
    "variable_type": FieldFacts(_STRING, "`env_var` (default) or `file`.", "str", python_output="str"),
    "protected": FieldFacts(_BOOLEAN, "Only protected branches and tags see the variable.", "bool",
                            python_output="bool"),
    "masked": FieldFacts(_BOOLEAN, "GitLab masks the value in job logs (it must follow GitLab's masking rules).",
                         "bool", python_output="bool"),
    "hidden": FieldFacts(_BOOLEAN, "Masked and never shown again, in the UI or the API (GitLab's "
                                   "`masked_and_hidden`); fixed at creation.", "bool", python_output="bool"),
    "raw": FieldFacts(_BOOLEAN, "GitLab does not expand `$` references in the value.", "bool", python_output="bool"),
    "environment_scope": FieldFacts(_STRING, "The environments that see the variable; default `*`.", "str",
                                    python_output="str"),
    "delivered_token_id": FieldFacts(_INTEGER, "When `value` is the `token` of a token under a grace period: the id "
                                               "of the token whose value this variable last set in GitLab (its "
                                               "predecessors are revoked only once no variable holds them).",
                                     python_output="Optional[int]"),
}

#: The token lists' filters and a listed token's fields not in :data:`FIELDS`, by snake_case name.
FUNCTION_FIELDS: Final[Mapping[str, FieldFacts]] = {
    "state": FieldFacts(_STRING, "`active` or `inactive` (revoked or expired); all when left out.", "str"),
    "expires_before": FieldFacts(_STRING, "Only tokens expiring before this date (`YYYY-MM-DD`); tokens without an "
                                          "expiry are left out.", "Union[str, dt.date]"),
    "id": FieldFacts(_INTEGER, "GitLab's id of the token."),
    "managed": FieldFacts(_BOOLEAN, "Whether the token carries an ownership mark of pulumi-gitlab-tokens."),
}

#: Where a field's resource words do not fit a list's filter or parent.
FILTER_TEXT: Final[Mapping[str, str]] = {
    "name": "Only tokens named exactly so.", "user_id": "The user's numeric id.",
    "project": "The project's numeric id or full path (`acme/app`).",
    "group": "The group's numeric id or full path (`acme/platform`)."}


def facts(name: str) -> FieldFacts:
    """The facts of resource field ``name``; a field nobody described is an error naming it and the fix."""
    if name not in FIELDS:
        raise KeyError(f"field {name!r} has no facts: declare its type and description in kinds/field_facts.py's "
                       "FIELDS")
    return FIELDS[name]


def function_facts(name: str) -> FieldFacts:
    """The facts of a list's filter or a listed token's field: :data:`FUNCTION_FIELDS`, else :data:`FIELDS`."""
    if name in FUNCTION_FIELDS:
        return FUNCTION_FIELDS[name]
    if name not in FIELDS:
        raise KeyError(f"field {name!r} has no facts: declare its type and description in kinds/field_facts.py's "
                       "FUNCTION_FIELDS")
    return FIELDS[name]


def required_inputs(kind: TokenKind) -> tuple[str, ...]:
    """The inputs a program must give a token of ``kind``: checked, with no default, and not one a program
    may leave out (:attr:`FieldFacts.optional_in_programs`)."""
    return tuple(field.name for field in kind.inputs
                 if not field.optional and field.default is None and not facts(field.name).optional_in_programs)

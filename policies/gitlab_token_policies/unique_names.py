"""``gitlab-token-unique-names`` (mandatory stack policy): one token per name and parent.

GitLab lets two tokens of one project or group share a name, but recovery
after an interrupted update and every audit ("which token is this?") tell
tokens apart by name. Two token resources in one stack - ours or
pulumi-gitlab's, in any mix - with the same parent and the same ``name`` are
one violation that names every resource involved.

What counts as the same parent:

- a project token's parent is its ``project``, a group token's its ``group``,
  a personal token's its ``user_id``; a project and a group never clash;
- a numeric id (``42``, ``42.0``, ``"42"``) equals the same id;
- a path equals the same path compared as GitLab does: case-insensitively,
  after URL-decoding (``Acme%2FApp`` is ``acme/app``);
- an id and a path are never compared: telling whether project 42 *is*
  ``acme/app`` takes a call to GitLab, which a policy does not make. Refer to
  a parent the same way throughout a stack and the policy sees every clash.

Names compare exactly, as GitLab shows them. A parent or name unknown at
preview leaves that resource out; the others are still judged.
Config: ``exclude`` only. No remediation: renaming replaces a token.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional
from urllib.parse import unquote

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import _catalogue as catalogue
from .config import ConfigError, load_config, schema, stack_tokens
from .tokens import UNKNOWN, Token, as_int, shown

#: The input naming a token's parent, and what kind of parent it is, per resource type.
PARENT_INPUT: dict[str, tuple[str, str]] = {
    catalogue.PROJECT_TOKEN_TYPE: ("project", "project"),
    catalogue.PULUMI_GITLAB_PROJECT_TOKEN_TYPE: ("project", "project"),
    catalogue.GROUP_TOKEN_TYPE: ("group", "group"),
    catalogue.PULUMI_GITLAB_GROUP_TOKEN_TYPE: ("group", "group"),
    catalogue.PULUMI_GITLAB_PERSONAL_TOKEN_TYPE: ("user_id", "user"),
}

#: A parent as compared: (kind, "id" or "path", normalised value).
ParentKey = tuple[str, str, Any]


def parent_key(token: Token) -> Optional[ParentKey]:
    """The token's parent in comparable form, or None when it is unknown or unusable."""
    field, kind = PARENT_INPUT[token.resource_type]
    value = token.read(field)
    if value is UNKNOWN or value is None:
        return None
    number = as_int(value)
    if number is not None:
        return kind, "id", number
    if not isinstance(value, str):
        return None
    path = unquote(value).strip().strip("/").lower()
    return (kind, "path", path) if path else None


def _listed(names: list[str]) -> str:
    """``'a', 'b' and 'c'``; sorted by the caller, as resources register in no fixed order."""
    quoted = [f"'{name}'" for name in names]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


def validate_unique_names(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    try:
        config = load_config(token_unique_names, args.get_config())
        holders: dict[tuple[ParentKey, str], list[PolicyResource]] = defaultdict(list)
        shown_parent: dict[ParentKey, Any] = {}
        for resource, token in stack_tokens(args.resources, config):
            parent = parent_key(token)
            name = token.read("name")
            if parent is None or not isinstance(name, str):  # unknown at preview, or unset
                continue
            shown_parent.setdefault(parent, token.read(PARENT_INPUT[resource.resource_type][0]))
            holders[(parent, name)].append(resource)
        for (parent, name), resources in holders.items():
            if len(resources) < 2:
                continue
            kind = parent[0]
            report_violation(
                f"Tokens {_listed(sorted(r.name for r in resources))} share the name {shown(name)} in {kind} "
                f"{shown(shown_parent[parent])}. Recovery and audits tell tokens apart by name: give each "
                "token its own name.",
                resources[-1].urn,
            )
    except ConfigError as error:
        report_violation(str(error), None)


token_unique_names = StackValidationPolicy(
    name="gitlab-token-unique-names",
    description="No two GitLab tokens in the stack share a name in the same project, group or user.",
    validate=validate_unique_names,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps=(
        "Give each token a name of its own (the `name` input; ours defaults to the resource "
        "name). Renaming replaces the token, so consumers receive a new value. Refer to a "
        "project or group the same way (id or path) everywhere so every clash is seen."
    ),
)

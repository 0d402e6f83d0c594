"""``gitlab-token-unique-names`` (mandatory stack policy): one token per name and parent.

GitLab lets two tokens of one project or group share a name, but recovery
after an interrupted update and every audit ("which token is this?") tell
tokens apart by name. Two token resources in one stack - ours or
pulumi-gitlab's, in any mix - with the same parent and the same ``name`` are
one violation that names every resource involved.

What counts as the same parent:

- a project token's parent is its ``project``, a group token's its ``group``;
  a personal, service-account or impersonation token's is its ``user_id`` (they
  are all that user's personal access tokens, whatever group a service account
  belongs to); a deploy token's is its ``project`` or ``group``; an agent token's
  is its ``agent_id`` (GitLab lists an agent's tokens apart); a project and a
  group never clash;
- tokens of different families never clash, as GitLab lists them apart: a
  project's access tokens and its deploy tokens may share a name;
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

from .config import ConfigError, load_config, schema, stack_tokens
from .tokens import UNKNOWN, Token, as_int, shown

#: A parent as compared: (token family, parent kind, "id" or "path", normalised value).
ParentKey = tuple[str, str, str, Any]

#: How a clash message names the list the tokens share, per family.
FAMILY_LIST: dict[str, str] = {
    "access": "",
    "personal": " among its personal access tokens",
    "deploy": " among its deploy tokens",
    "agent": " among its tokens",
}


def token_parent(token: Token) -> Optional[tuple[ParentKey, Any]]:
    """The token's parent in comparable form and as written, or None when it is unknown or unusable.

    The first of the kind's parent inputs that is set is the parent (pulumi-gitlab's
    DeployToken takes a project or a group); an unknown one leaves the token out.
    """
    for field, parent_kind in token.kind.parents:
        value = token.read(field)
        if value is UNKNOWN:
            return None
        if value is None:
            continue
        number = as_int(value)
        if number is not None:
            return (token.kind.family, parent_kind, "id", number), number  # 42, not the wire's 42.0
        if not isinstance(value, str):
            return None
        path = unquote(value).strip().strip("/").lower()
        return ((token.kind.family, parent_kind, "path", path), value) if path else None
    return None


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
            found = token_parent(token)
            name = token.read("name")
            if found is None or not isinstance(name, str):  # unknown at preview, or unset
                continue
            parent, written = found
            shown_parent.setdefault(parent, written)
            holders[(parent, name)].append(resource)
        for (parent, name), resources in holders.items():
            if len(resources) < 2:
                continue
            family, kind = parent[0], parent[1]
            report_violation(
                f"Tokens {_listed(sorted(r.name for r in resources))} share the name {shown(name)} in {kind} "
                f"{shown(shown_parent[parent])}{FAMILY_LIST[family]}. Recovery and audits tell tokens apart "
                "by name: give each token its own name.",
                resources[-1].urn,
            )
    except ConfigError as error:
        report_violation(str(error), None)


token_unique_names = StackValidationPolicy(
    name="gitlab-token-unique-names",
    description="No two GitLab tokens of one family in the stack share a name in the same project, group or user.",
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

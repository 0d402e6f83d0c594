"""``gitlab-token-description`` (advisory): every token says who uses it and why.

Deploy tokens have no description in GitLab (nor in either provider), and
pulumi-gitlab's service-account and impersonation tokens have no description
input: the policy is not applicable to them. Config: ``exclude`` only. No remediation: only the
owner knows the purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .config import NotApplicable
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token


def check_description(token: Token, config: Mapping[str, Any]) -> list[str]:
    kind = token.kind
    if not kind.has_description:
        where = "in GitLab" if kind.family == "deploy" else "in this resource type's inputs"
        raise NotApplicable(f"a {kind.label} has no description {where}; its name has to say what it is for")
    description = token.read("description")
    if description is UNKNOWN:
        raise NotApplicable("description is unknown during preview; checked at update")
    if not isinstance(description, str) or not description.strip():
        return [
            "The token has no description. Say who uses it and why; it is shown in GitLab's "
            "token list and helps whoever has to revoke or rotate it."
        ]
    return []


token_description = token_policy(
    name="gitlab-token-description",
    description="GitLab tokens must have a description.",
    check=check_description,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    config={},
    remediation_steps="Set `description` on the token: its consumer and purpose, and an owner to contact.",
)

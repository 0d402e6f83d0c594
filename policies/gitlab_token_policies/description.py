"""``gitlab-token-description`` (advisory): every token says who uses it and why.

Deploy tokens have no description in GitLab (nor in either provider): the policy
is not applicable to them. Config: ``exclude`` only. No remediation: only the
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
    if not token.kind.has_description:
        raise NotApplicable(f"a {token.kind.label} has no description in GitLab; its name has to say it")
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

"""From a small ``check`` function to a ``ResourceValidationPolicy`` over every token type.

:func:`token_policy` does what every resource policy needs - skip other
resource types, apply ``exclude``, turn :class:`~.config.NotApplicable` into
``args.not_applicable`` and :class:`~.config.ConfigError` into a violation,
edit props in place for remediation - so each policy module holds only its
rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .config import ConfigError, NotApplicable, excluding_pattern, load_config, schema
from .tokens import TOKEN_TYPES, Token


#: A check looks at one token and returns violation messages (empty: compliant).
#: It raises NotApplicable when it cannot judge, ConfigError on bad config.
Check = Callable[[Token, Mapping[str, Any]], list[str]]

#: A fix changes the token in place (via Token.write) and says whether it did.
Fix = Callable[[Token, Mapping[str, Any]], bool]


def token_policy(
    *,
    name: str,
    description: str,
    check: Check,
    enforcement_level: EnforcementLevel,
    severity: Severity,
    config: dict[str, dict[str, Any]],
    remediation_steps: str,
    fix: Fix | None = None,
) -> ResourceValidationPolicy:
    """Build a resource policy that runs ``check`` on every GitLab token resource.

    The wrapper does what every policy needs, so checks stay a few lines:
    skip other resource types, apply ``exclude``, turn :class:`NotApplicable`
    into ``args.not_applicable`` and :class:`ConfigError` into a violation.
    """
    policy: ResourceValidationPolicy

    def prepare(args: ResourceValidationArgs) -> tuple[Token, dict[str, Any], str | None] | None:
        """(token, config, matching exclude pattern), or None for other resource types."""
        if args.resource_type not in TOKEN_TYPES:
            return None
        settings = load_config(policy, args.get_config())
        excluded_by = excluding_pattern(settings, args.name)
        return Token(args.resource_type, args.name, args.props), settings, excluded_by

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        try:
            prepared = prepare(args)
            if prepared is None:
                return
            token, settings, excluded_by = prepared
            if excluded_by is not None:
                raise NotApplicable(f"resource '{args.name}' is excluded by exclude pattern {excluded_by!r}")
            for message in check(token, settings):
                report_violation(message, None)
        except ConfigError as error:
            report_violation(str(error), None)
        except NotApplicable as reason:
            args.not_applicable(reason.reason)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        assert fix is not None
        try:
            prepared = prepare(args)
            if prepared is None or prepared[2] is not None:
                return None
            token, settings, _ = prepared
            # The full props mapping, edited in place, so __provider and every
            # other input reach the engine unchanged.
            return args.props if fix(token, settings) else None
        except (ConfigError, NotApplicable):
            return None  # validation reports config errors; nothing safe to change

    policy = ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        remediate=remediate if fix is not None else None,
        enforcement_level=enforcement_level,
        config_schema=schema(**config),
        severity=severity,
        remediation_steps=remediation_steps,
    )
    return policy

"""Call the pack's policies the way the engine does, without the engine.

The analyzer servicer in pulumi_policy receives props as a protobuf Struct,
turns them into a dict with ``json_format.MessageToDict`` (so every number
becomes a float), and wraps them in ``unknown_checking_proxy``. Config takes
the same Struct route. The helpers below reproduce exactly that, so a policy
that works here sees the same shapes under ``pulumi preview``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import gitlab_token_policies as pack
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from gitlab_token_policies.tokens import TOKEN_TYPES

from pulumi_gitlab_tokens.common import catalogue

#: The pack's directory: what `pulumi preview --policy-pack` is given.
PACK_DIR = Path(pack.__file__).resolve().parents[1]

#: The date the tests run on (GITLAB_TESTING_TIME is pinned to it in conftest.py).
TODAY = dt.date(2026, 3, 1)
TESTING_TIME = "2026-03-01T12:00:00Z"

#: What the engine sends for a value it does not know yet.
UNKNOWN = UNKNOWN_STRING_VALUE

OURS = (catalogue.PROJECT_TOKEN_TYPE, catalogue.GROUP_TOKEN_TYPE)
PULUMI_GITLAB = (catalogue.PULUMI_GITLAB_PROJECT_TOKEN_TYPE, catalogue.PULUMI_GITLAB_GROUP_TOKEN_TYPE)
#: Project/group token types: ours (snake_case inputs) and pulumi-gitlab's (camelCase).
RESOURCE_TOKEN_TYPES = OURS + PULUMI_GITLAB
PERSONAL = catalogue.PULUMI_GITLAB_PERSONAL_TOKEN_TYPE
#: Every token type the pack inspects, ours and pulumi-gitlab's, of every kind.
ALL_TOKEN_TYPES = tuple(TOKEN_TYPES)
#: The types whose tokens GitLab gives an expiry (all but pipeline triggers and agent tokens).
EXPIRING_TOKEN_TYPES = tuple(t for t, kind in TOKEN_TYPES.items() if kind.rotation != catalogue.NO_EXPIRY)
#: Token types whose parent is a user: personal, service-account and impersonation tokens.
USER_TOKEN_TYPES = tuple(t for t, k in TOKEN_TYPES.items() if k.family == "personal")
#: Deploy token types, ours and pulumi-gitlab's.
DEPLOY_TOKEN_TYPES = tuple(t for t, k in TOKEN_TYPES.items() if k.family == "deploy")
#: The kinds the pack learnt after project and group access tokens.
NEW_TOKEN_TYPES = USER_TOKEN_TYPES + DEPLOY_TOKEN_TYPES

_CAMEL_TYPES = frozenset(t for t in ALL_TOKEN_TYPES if t.startswith("gitlab:"))

#: Service-account token types that also name the service account's group or project.
_SERVICE_ACCOUNT_HOME = {
    catalogue.SERVICE_ACCOUNT_TOKEN_TYPE: ("group", "acme"),
    catalogue.native_type(catalogue.SERVICE_ACCOUNT_TOKEN_TYPE): ("group", "acme"),
    catalogue.PULUMI_GITLAB_SERVICE_ACCOUNT_TOKEN_TYPE: ("group", "acme"),
    catalogue.PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE: ("project", "acme/app"),
    catalogue.native_type(catalogue.PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE): ("project", "acme/app"),
    catalogue.PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE: ("project", "acme/app"),
}

#: What each parent input holds in a compliant token.
_PARENT_VALUES = {"project": "acme/app", "group": "acme", "user_id": 42, "agent_id": 7}
#: Kinds whose agent is their parent also name its project.
_AGENT_HOME = ("project", "acme/app")


def days_from_today(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def spelled_for(resource_type: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """Props written in snake_case, respelled as pulumi-gitlab's SDK sends them for its types."""
    if resource_type not in _CAMEL_TYPES:
        return dict(props)

    def respell(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {pack.camel_case(k): respell(v) for k, v in value.items()}
        return value

    return respell(props)


def token_props(resource_type: str, **overrides: Any) -> dict[str, Any]:
    """A compliant token of its kind for the default config, with ``overrides`` applied (snake_case).

    Only the inputs the kind has: no ``access_level`` but on access tokens, no
    ``description`` on deploy tokens, no ``rotation_configuration`` on
    pulumi-gitlab's deploy and impersonation tokens.
    """
    kind = TOKEN_TYPES[resource_type]
    props: dict[str, Any] = {} if kind.rotation == catalogue.NO_EXPIRY else {  # a trigger: no name, scopes, expiry
        "name": "ci-deploy",
        "scopes": ["read_repository"],
        "expires_at": days_from_today(30),
    }
    if kind.family not in ("trigger", "runner"):  # a trigger and a runner have no name
        props["name"] = "ci-deploy"
    if kind.has_access_level:
        props["access_level"] = "developer"
    if kind.rotation not in (catalogue.NO_ROTATION_INPUT, catalogue.NO_EXPIRY):
        props["rotation_configuration"] = None
    if kind.has_description:
        props["description"] = "CI deploy job, owned by the platform team"
    parent_input = kind.parents[0][0]
    props[parent_input] = _PARENT_VALUES[parent_input]
    if resource_type in _SERVICE_ACCOUNT_HOME:
        home, value = _SERVICE_ACCOUNT_HOME[resource_type]
        props[home] = value
    if parent_input == "agent_id":
        props[_AGENT_HOME[0]] = _AGENT_HOME[1]
    props.update(overrides)
    return spelled_for(resource_type, props)


def _through_struct(value: Mapping[str, Any]) -> dict[str, Any]:
    """Round-trip through a protobuf Struct, as every value the engine sends does."""
    message = struct_pb2.Struct()
    message.update(dict(value))
    return json_format.MessageToDict(message)


def engine_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Props as the servicer's Analyze/AnalyzeStack hands them to a policy."""
    return unknown_checking_proxy(deserialize_properties(_through_struct(props)))


def engine_config(policy: Any, overrides: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The config the engine passes: schema defaults, then the user's values, via a Struct."""
    return _through_struct({**pack.schema_defaults(policy), **(overrides or {})})


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass
class Outcome:
    """What a policy run produced."""

    violations: list[str] = field(default_factory=list)
    not_applicable: Optional[str] = None

    @property
    def passed(self) -> bool:
        return not self.violations and self.not_applicable is None


def validate(
    policy: ResourceValidationPolicy,
    resource_type: str,
    props: Mapping[str, Any],
    config: Optional[Mapping[str, Any]] = None,
    *,
    name: str = "deploy-token",
) -> Outcome:
    """Run a resource policy on one resource, as Analyze would."""
    outcome = Outcome()
    args = ResourceValidationArgs(
        resource_type,
        engine_props(props),
        f"urn:pulumi:dev::demo::{resource_type}::{name}",
        name,
        _options(),
        None,
        engine_config(policy, config),
    )
    try:
        policy.validate(args, lambda message, urn=None: outcome.violations.append(message))
    except _NotApplicableError as error:
        outcome.not_applicable = error.reason or ""
    return outcome


def secret(value: Any) -> dict[str, Any]:
    """A value in the engine's wire form for secrets (how ``__provider`` arrives)."""
    return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": value}


#: A serialized dynamic provider as it reaches a policy: a secret.
PROVIDER = secret("gASV...serialized-provider...")


def with_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    """Props with the ``__provider`` input every dynamic resource carries."""
    return {**props, "__provider": PROVIDER}


def read_field(props: Mapping[str, Any], *path: str) -> Any:
    """Read a field from remediated props by its snake_case path, in whichever spelling it has."""
    value: Any = props
    for name in path:
        value = value[name] if name in value else value[pack.camel_case(name)]
    return value


def remediate(
    policy: ResourceValidationPolicy,
    resource_type: str,
    props: Mapping[str, Any],
    config: Optional[Mapping[str, Any]] = None,
    *,
    name: str = "deploy-token",
) -> Optional[dict[str, Any]]:
    """Run a policy's remediation as Remediate would; return the props as sent back, or None."""
    wire = _through_struct(props)
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(deserialize_properties(wire, True)),
        f"urn:pulumi:dev::demo::{resource_type}::{name}",
        name,
        _options(),
        None,
        engine_config(policy, config),
    )
    result = policy.remediate(args)
    return None if result is None else dict(serialize_properties(result))


def validate_stack(
    policy: StackValidationPolicy,
    resources: list[tuple[str, str, Mapping[str, Any]]],
    config: Optional[Mapping[str, Any]] = None,
) -> list[tuple[str, Optional[str]]]:
    """Run a stack policy on ``(type, name, outputs)`` resources; return ``(message, urn)`` pairs."""
    policy_resources = [
        PolicyResource(
            resource_type,
            engine_props(outputs),
            f"urn:pulumi:dev::demo::{resource_type}::{name}",
            name,
            _options(),
            None,
            None,
            [],
            {},
        )
        for resource_type, name, outputs in resources
    ]
    reported: list[tuple[str, Optional[str]]] = []
    args = StackValidationArgs(policy_resources, engine_config(policy, config))
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported

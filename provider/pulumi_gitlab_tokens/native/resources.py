"""The native face's resources: each one a dynamic face's provider class, named by its schema type token.

Everything a resource is comes from the existing declarations: a token kind's
:class:`~..kinds.base.TokenKind` (inputs, outputs, which are computed, which is
the secret), the variables' :data:`~..variable_inputs.VARIABLE_INPUTS` and the
service accounts' :class:`~..service_accounts.provider.AccountHome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Final, Mapping

from .. import kinds
from ..common import catalogue
from ..kinds import field_facts
from ..kinds.base import TokenKind
from ..lifecycle.provider import provider_class
from ..service_accounts import provider as service_accounts
from ..variables import inputs as variable_inputs
from ..variables import provider as variables

#: The schema's package name, and the namespace of its config keys.
PACKAGE: Final = "gitlab-tokens"


def type_token(resource_name: str) -> str:
    return catalogue.NATIVE_TYPE_PREFIX + resource_name


@dataclass(frozen=True)
class NativeResource:
    """One resource of the native face, in snake_case as the provider classes take it."""

    name: str
    description: str
    #: ``(owner, resource, backend) -> a dynamic face's provider instance`` serving this resource.
    provider: Callable[[str, str, str | None], Any]
    inputs: tuple[str, ...]
    required_inputs: tuple[str, ...]
    #: What GitLab computes (not inputs), in state order.
    computed: tuple[str, ...]
    secrets: tuple[str, ...]
    #: ``name`` defaults to the resource's name, as the dynamic resource classes do.
    name_from_resource: bool = False
    #: The kind, for a token resource.
    kind: TokenKind | None = None

    @property
    def token(self) -> str:
        return type_token(self.name)

    @property
    def outputs(self) -> tuple[str, ...]:
        return (*self.inputs, *(name for name in self.computed if name not in self.inputs))


def _token(kind: TokenKind) -> NativeResource:
    # No <name>-predecessors child here (delivery tracking is the dynamic face's): the token
    # revokes its due predecessors itself, by the calendar (docs/native-provider.md).
    dynamic = provider_class(kind)
    cls = type(dynamic.__name__, (dynamic,), {"delivery_revokes_predecessors": False})
    return NativeResource(
        name=kind.resource_name,
        description=f"A GitLab {kind.label}, minted, rotated and revoked by pulumi-gitlab-tokens.",
        provider=cls,
        inputs=kind.input_names,
        required_inputs=field_facts.required_inputs(kind),
        computed=(*kind.computed_outputs, *(("predecessors",) if kind.overlaps else ())),
        secrets=tuple(f.name for f in kind.outputs if f.secret),
        name_from_resource=True,
        kind=kind,
    )


def _variable(cls: type[variables.VariableProvider]) -> NativeResource:
    kind = cls.kind
    return NativeResource(
        name=variable_inputs.variable_resource_name(kind),
        description=f"A {kind.parent}'s CI/CD variable; its value is always a secret.",
        provider=cls,
        # delivered_token_id is the dynamic face's delivery record (docs/rotation-delivery.md).
        inputs=tuple(k for k in variable_inputs.variable_input_keys(kind) if k not in variables.RECORDED),
        required_inputs=(kind.parent, *variable_inputs.REQUIRED_INPUTS),
        computed=(),
        secrets=("value",),
    )


def _service_account(provider: type[service_accounts.ServiceAccountProvider]) -> NativeResource:
    home = provider.home
    return NativeResource(
        name=home.resource_name,
        description=f"A {home.parent}'s service account, the holder of {home.token_kind.resource_name} tokens.",
        provider=provider,
        inputs=home.inputs,
        required_inputs=(home.parent,),
        computed=service_accounts.COMPUTED,
        secrets=(),
    )


#: Every resource of the native face, in schema order.
ALL: Final[tuple[NativeResource, ...]] = (
    *(_token(kind) for kind in kinds.ALL),
    _variable(variables.ProjectVariableProvider),
    _variable(variables.GroupVariableProvider),
    _service_account(service_accounts.GroupServiceAccountProvider),
    _service_account(service_accounts.ProjectServiceAccountProvider),
)

BY_TOKEN: Final[Mapping[str, NativeResource]] = {resource.token: resource for resource in ALL}

"""``ProjectVariable`` and ``GroupVariable``: CI/CD variables, with pulumi-gitlab's input names.

Hand a token on to the jobs that use it, in the same run that mints or rotates it::

    from pulumi_gitlab_tokens import ProjectAccessToken, ProjectVariable

    deploy = ProjectAccessToken("deploy", project="acme/app", scopes=["read_registry"], ...)
    ProjectVariable(
        "registry-token",
        project="acme/consumer",
        key="REGISTRY_TOKEN",
        value=deploy.token,  # a secret; stays one in the state
        masked=True,
        protected=True,
    )

``value`` is always a secret, in the inputs and the outputs of the state,
whether or not the program passed a secret. What replaces the variable and
what is updated in place is described in :mod:`.variables`; the checks made
at preview in :mod:`.variable_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Optional, Union

import pulumi
import pulumi.dynamic

from ..common.pickling import pickler_restored
from ..lifecycle import delivery
from ..variables.inputs import VARIABLE_INPUTS
from ..variables.provider import GroupVariableProvider, ProjectVariableProvider, VariableProvider
from .tokens import _backend, _identity, _owner, split_args


@dataclass(frozen=True, kw_only=True)
class _VariableArgsBase:
    key: pulumi.Input[str]
    """The variable's name: letters, digits and ``_``, at most 255. Changing it replaces the variable."""
    value: pulumi.Input[str]
    """The value; always stored as a secret. Masked or hidden values must follow GitLab's masking rules."""
    variable_type: Optional[pulumi.Input[str]] = None
    """``env_var`` (default) or ``file``."""
    protected: Optional[pulumi.Input[bool]] = None
    """Only pipelines on protected branches and tags get it (default false)."""
    masked: Optional[pulumi.Input[bool]] = None
    """Masked in job logs (default false; implied by ``hidden``)."""
    hidden: Optional[pulumi.Input[bool]] = None
    """Masked and never shown again, in the UI or the API (GitLab's ``masked_and_hidden``). Fixed at
    creation: changing it replaces the variable."""
    raw: Optional[pulumi.Input[bool]] = None
    """Not expanded (``$OTHER`` stays as written); a masked raw value may use any non-space character."""
    environment_scope: Optional[pulumi.Input[str]] = None
    """Environments that get it (default ``*``). The same key in two scopes is two resources; changing it
    replaces the variable."""
    description: Optional[pulumi.Input[str]] = None
    """Shown in GitLab; GitLab's 255 characters less the provider's ownership mark
    (``variable_inputs.MAX_USER_DESCRIPTION_LENGTH``)."""


@dataclass(frozen=True, kw_only=True)
class ProjectVariableArgs(_VariableArgsBase):
    """Arguments of :class:`ProjectVariable`."""

    project: pulumi.Input[Union[str, int]]
    """The project's numeric id or full path (``"acme/app"``). Changing it replaces the variable."""


@dataclass(frozen=True, kw_only=True)
class GroupVariableArgs(_VariableArgsBase):
    """Arguments of :class:`GroupVariable`."""

    group: pulumi.Input[Union[str, int]]
    """The group's numeric id or full path (``"acme/platform"``). Changing it replaces the variable."""


class _VariableResource(pulumi.dynamic.Resource):
    """Shared constructor: every input is an output too, ``value`` a secret in both."""

    key: pulumi.Output[str]
    value: pulumi.Output[str]
    variable_type: pulumi.Output[str]
    protected: pulumi.Output[bool]
    masked: pulumi.Output[bool]
    hidden: pulumi.Output[bool]
    raw: pulumi.Output[bool]
    environment_scope: pulumi.Output[str]
    description: pulumi.Output[Optional[str]]
    delivered_token_id: pulumi.Output[Optional[int]]
    """When ``value`` is the ``token`` of a token under a grace period: the id of the token whose value
    this variable last set in GitLab (the token's predecessors are revoked only once no variable holds
    them, see :mod:`.delivery`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each resource class the shared output annotations as its own (the SDK reads only those)."""
        super().__init_subclass__(**kwargs)
        cls.__annotations__ = {**_VariableResource.__annotations__, **cls.__dict__.get("__annotations__", {})}

    def __init__(self, provider_class: type[VariableProvider], resource_name: str, args: Any,
                 opts: Optional[pulumi.ResourceOptions]) -> None:
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        source = delivery.source_of(props.get("value"))
        if source is not None:  # fed from a token under a grace period: record which token's value it holds
            source.ensure_open(resource_name)
            props[delivery.DELIVERED_INPUT] = source.token_id
        if props.get("value") is not None:
            # Secret in the state's inputs too, even when the program passed a plain string.
            props["value"] = pulumi.Output.secret(props["value"])
        for name in VARIABLE_INPUTS:
            props.setdefault(name, None)
        secret_value = pulumi.ResourceOptions(additional_secret_outputs=["value"])
        # The stack and resource, named in the ownership mark of the variable's description.
        provider = provider_class(_owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts),
                                  _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, pulumi.ResourceOptions.merge(secret_value, opts))
        if source is not None:
            source.add(resource_name, getattr(self, delivery.DELIVERED_INPUT))


class ProjectVariable(_VariableResource, module="gitlab", name="ProjectVariable"):
    """A project's CI/CD variable (Pulumi type ``pulumi-python:dynamic/gitlab:ProjectVariable``).

    Changing ``project``, ``key``, ``environment_scope`` or ``hidden`` replaces the variable;
    everything else is updated in place. Deleting the resource deletes the variable.
    Managing project variables needs the Maintainer role.
    """

    project: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[ProjectVariableArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project: Optional[pulumi.Input[Union[str, int]]] = None,
        key: Optional[pulumi.Input[str]] = None,
        value: Optional[pulumi.Input[str]] = None,
        variable_type: Optional[pulumi.Input[str]] = None,
        protected: Optional[pulumi.Input[bool]] = None,
        masked: Optional[pulumi.Input[bool]] = None,
        hidden: Optional[pulumi.Input[bool]] = None,
        raw: Optional[pulumi.Input[bool]] = None,
        environment_scope: Optional[pulumi.Input[str]] = None,
        description: Optional[pulumi.Input[str]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name.
        :param args: A :class:`ProjectVariableArgs`, or pass the inputs as keywords.
        :param opts: Resource options; ``additional_secret_outputs=["value"]`` is always added.
        """
        typed, opts = split_args(args, opts, ProjectVariableArgs)
        if typed is None:
            typed = ProjectVariableArgs(
                project=project,  # type: ignore[arg-type]  # check() reports what is missing
                key=key,  # type: ignore[arg-type]
                value=value,  # type: ignore[arg-type]
                variable_type=variable_type, protected=protected, masked=masked, hidden=hidden, raw=raw,
                environment_scope=environment_scope, description=description,
            )
        super().__init__(ProjectVariableProvider, resource_name, typed, opts)


class GroupVariable(_VariableResource, module="gitlab", name="GroupVariable"):
    """A group's CI/CD variable (Pulumi type ``pulumi-python:dynamic/gitlab:GroupVariable``).

    Behaves like :class:`ProjectVariable`, with ``group=`` instead of ``project=``.
    Managing group variables needs the Owner role.
    """

    group: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[GroupVariableArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        group: Optional[pulumi.Input[Union[str, int]]] = None,
        key: Optional[pulumi.Input[str]] = None,
        value: Optional[pulumi.Input[str]] = None,
        variable_type: Optional[pulumi.Input[str]] = None,
        protected: Optional[pulumi.Input[bool]] = None,
        masked: Optional[pulumi.Input[bool]] = None,
        hidden: Optional[pulumi.Input[bool]] = None,
        raw: Optional[pulumi.Input[bool]] = None,
        environment_scope: Optional[pulumi.Input[str]] = None,
        description: Optional[pulumi.Input[str]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name.
        :param args: A :class:`GroupVariableArgs`, or pass the inputs as keywords.
        :param opts: Resource options; ``additional_secret_outputs=["value"]`` is always added.
        """
        typed, opts = split_args(args, opts, GroupVariableArgs)
        if typed is None:
            typed = GroupVariableArgs(
                group=group,  # type: ignore[arg-type]
                key=key,  # type: ignore[arg-type]
                value=value,  # type: ignore[arg-type]
                variable_type=variable_type, protected=protected, masked=masked, hidden=hidden, raw=raw,
                environment_scope=environment_scope, description=description,
            )
        super().__init__(GroupVariableProvider, resource_name, typed, opts)

"""``ProjectDeployToken`` and ``GroupDeployToken``: deploy tokens as resources a program declares.

Inputs follow pulumi-gitlab's ``gitlab.ProjectDeployToken`` and
``gitlab.GroupDeployToken``::

    from pulumi_gitlab_tokens import ProjectDeployToken, RotationConfigurationArgs

    pull = ProjectDeployToken(
        "registry-pull",
        project="acme/app",
        scopes=["read_registry"],
        rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
    )
    pulumi.export("pull_username", pull.username)
    pulumi.export("pull_token", pull.token)  # always a secret

GitLab has no rotate API for deploy tokens: a new ``expires_at``, a changed
``rotation_configuration`` or reaching the rotation window *replaces* the
token (the new one is created before the old one is deleted), so
``token_id``, ``token`` and a defaulted ``username`` change. Differences from
pulumi-gitlab: ``expires_at`` is a date ``YYYY-MM-DD`` (pulumi-gitlab takes an
RFC 3339 time), ``name`` defaults to the resource name, and the name in
GitLab carries the provider's ownership mark at its end (the ``name`` output
does not show it; see ``docs/adding-a-kind.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import pulumi

from .. import kinds
from ..lifecycle.provider import provider_class
from .tokens import RotationConfigurationInput, TokenResource, split_args


@dataclass(frozen=True, kw_only=True)
class _DeployTokenArgsBase:
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Scopes of the token, at least one (see ``catalogue.DEPLOY_TOKEN_SCOPES``). Changing them replaces it."""
    name: Optional[pulumi.Input[str]] = None
    """Token name; defaults to the resource name (at most 223 characters: the ownership mark takes 32 of
    GitLab's 255). Changing it replaces the token."""
    username: Optional[pulumi.Input[str]] = None
    """Username to use with the token; GitLab's default is ``gitlab+deploy-token-<id>``. Changing it replaces it."""
    expires_at: Optional[pulumi.Input[str]] = None
    """Expiry date ``YYYY-MM-DD`` (none: never expires); changing it replaces the token."""
    rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None
    """Replace the token when its rotation window is reached; exclusive with ``expires_at``."""
    validate_past_expiration_date: Optional[pulumi.Input[bool]] = None
    """Accepted for pulumi-gitlab compatibility; past dates are always rejected at preview."""


@dataclass(frozen=True, kw_only=True)
class ProjectDeployTokenArgs(_DeployTokenArgsBase):
    """Arguments of :class:`ProjectDeployToken`."""

    project: pulumi.Input[Union[str, int]]
    """The project's numeric id or full path (``"acme/app"``). Changing it replaces the token."""


@dataclass(frozen=True, kw_only=True)
class GroupDeployTokenArgs(_DeployTokenArgsBase):
    """Arguments of :class:`GroupDeployToken`."""

    group: pulumi.Input[Union[str, int]]
    """The group's numeric id or full path (``"acme/platform"``). Changing it replaces the token."""


class _DeployTokenResource(TokenResource):
    """A deploy token's outputs (besides the inputs): no bot user, no access level."""

    username: pulumi.Output[str]
    """The username to present with ``token`` (GitLab's default, or the one given)."""
    expired: pulumi.Output[bool]


class ProjectDeployToken(_DeployTokenResource, module="gitlab", name="ProjectDeployToken"):
    """A project deploy token (Pulumi type ``pulumi-python:dynamic/gitlab:ProjectDeployToken``).

    Changing any input but ``validate_past_expiration_date`` replaces the token,
    create before delete; so does reaching the rotation window. Managing
    project deploy tokens needs the Maintainer role. Deleting the resource
    deletes the token.
    """

    project: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[ProjectDeployTokenArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project: Optional[pulumi.Input[Union[str, int]]] = None,
        scopes: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        username: Optional[pulumi.Input[str]] = None,
        expires_at: Optional[pulumi.Input[str]] = None,
        rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None,
        validate_past_expiration_date: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name; also the token name unless ``name`` is given.
        :param args: A :class:`ProjectDeployTokenArgs`, or pass the inputs as keywords.
        :param opts: Resource options; ``additional_secret_outputs=["token"]`` is always added.
        """
        typed, opts = split_args(args, opts, ProjectDeployTokenArgs)
        if typed is None:
            typed = ProjectDeployTokenArgs(
                project=project,  # type: ignore[arg-type]  # check() reports a missing project
                scopes=scopes,  # type: ignore[arg-type]
                name=name,
                username=username,
                expires_at=expires_at,
                rotation_configuration=rotation_configuration,
                validate_past_expiration_date=validate_past_expiration_date,
            )
        super().__init__(provider_class(kinds.PROJECT_DEPLOY), resource_name, typed, opts)


class GroupDeployToken(_DeployTokenResource, module="gitlab", name="GroupDeployToken"):
    """A group deploy token (Pulumi type ``pulumi-python:dynamic/gitlab:GroupDeployToken``).

    Behaves like :class:`ProjectDeployToken`, with ``group=`` instead of
    ``project=``. Managing group deploy tokens needs the Owner role on the group.
    """

    group: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[GroupDeployTokenArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        group: Optional[pulumi.Input[Union[str, int]]] = None,
        scopes: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        username: Optional[pulumi.Input[str]] = None,
        expires_at: Optional[pulumi.Input[str]] = None,
        rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None,
        validate_past_expiration_date: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name; also the token name unless ``name`` is given.
        :param args: A :class:`GroupDeployTokenArgs`, or pass the inputs as keywords.
        :param opts: Resource options; ``additional_secret_outputs=["token"]`` is always added.
        """
        typed, opts = split_args(args, opts, GroupDeployTokenArgs)
        if typed is None:
            typed = GroupDeployTokenArgs(
                group=group,  # type: ignore[arg-type]
                scopes=scopes,  # type: ignore[arg-type]
                name=name,
                username=username,
                expires_at=expires_at,
                rotation_configuration=rotation_configuration,
                validate_past_expiration_date=validate_past_expiration_date,
            )
        super().__init__(provider_class(kinds.GROUP_DEPLOY), resource_name, typed, opts)

"""``GroupServiceAccount``, ``ProjectServiceAccount`` and their ``...AccessToken``: service accounts and their tokens.

Inputs follow pulumi-gitlab's resources of the same names::

    from pulumi_gitlab_tokens import GroupServiceAccount, GroupServiceAccountAccessToken

    robot = GroupServiceAccount("ci-robot", group="acme", name="CI robot")
    ci = GroupServiceAccountAccessToken(
        "ci",
        group="acme",
        user_id=robot.service_account_id,
        scopes=["read_api", "read_repository"],
        rotation_configuration={"expiration_days": 30, "rotate_before_days": 7},
    )
    pulumi.export("ci_token", ci.token)  # always a secret

A group's need a group Owner (or an administrator) as the credential, and before GitLab
18.11 a top-level group. ``ProjectServiceAccount`` and ``ProjectServiceAccountAccessToken``
take ``project`` instead of ``group``, need a project Maintainer (or higher) and GitLab 18.11.
The account is not made a member of anything; give it roles with memberships, as in
pulumi-gitlab's example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import pulumi
import pulumi.dynamic

from .. import kinds
from ..common.pickling import pickler_restored
from ..lifecycle.provider import provider_class
from ..service_accounts.provider import GroupServiceAccountProvider, ProjectServiceAccountProvider
from .tokens import RotationConfigurationInput, TokenResource, _backend, _identity, _owner, split_args


@dataclass(frozen=True, kw_only=True)
class GroupServiceAccountArgs:
    """Arguments of :class:`GroupServiceAccount`."""

    group: pulumi.Input[Union[str, int]]
    """The top-level group's numeric id or full path. Changing it replaces the account."""
    name: Optional[pulumi.Input[str]] = None
    """Display name; GitLab's default is ``Service account user``. Changing it replaces the account. GitLab
    shows it followed by the provider's ownership mark, which takes some of its 255 characters."""
    username: Optional[pulumi.Input[str]] = None
    """Username; GitLab generates ``service_account_group_<group id>_<hex>`` when left out."""
    email: Optional[pulumi.Input[str]] = None
    """Email; GitLab uses ``<username>@noreply.<host>`` when left out."""


class GroupServiceAccount(pulumi.dynamic.Resource, module="gitlab", name="GroupServiceAccount"):
    """A group's service account (Pulumi type ``pulumi-python:dynamic/gitlab:GroupServiceAccount``).

    Changing a given input replaces the account (and so every token of it); leaving one
    out keeps what GitLab chose. Deleting the resource deletes the account.
    """

    group: pulumi.Output[str]
    service_account_id: pulumi.Output[int]
    """The account's user id: the ``user_id`` of its tokens and memberships."""
    name: pulumi.Output[str]
    username: pulumi.Output[str]
    email: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[GroupServiceAccountArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        group: Optional[pulumi.Input[Union[str, int]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        username: Optional[pulumi.Input[str]] = None,
        email: Optional[pulumi.Input[str]] = None,
    ) -> None:
        typed, opts = split_args(args, opts, GroupServiceAccountArgs)
        if typed is None:
            typed = GroupServiceAccountArgs(group=group, name=name, username=username,  # type: ignore[arg-type]
                                            email=email)
        props = {"group": typed.group, "name": typed.name, "username": typed.username, "email": typed.email,
                 "service_account_id": None}
        # The stack and resource, named in the ownership mark of the account's name.
        provider = GroupServiceAccountProvider(
            _owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts), _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, opts)


@dataclass(frozen=True, kw_only=True)
class GroupServiceAccountAccessTokenArgs:
    """Arguments of :class:`GroupServiceAccountAccessToken`."""

    group: pulumi.Input[Union[str, int]]
    """The top-level group holding the account (id or full path). Changing it replaces the token."""
    user_id: pulumi.Input[int]
    """The service account's user id (``GroupServiceAccount.service_account_id``). Changing it replaces the token."""
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Scopes of the token, at least one (``catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES``: no administrator scopes)."""
    name: Optional[pulumi.Input[str]] = None
    """Token name; defaults to the resource name. Changing it replaces the token."""
    expires_at: Optional[pulumi.Input[str]] = None
    """Fixed expiry date ``YYYY-MM-DD``; changing it rotates the token. Exclusive with ``rotation_configuration``."""
    rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None
    """Renew the token automatically; exclusive with ``expires_at``."""
    description: Optional[pulumi.Input[str]] = None
    """Description shown in GitLab (at most 223 characters: the ownership mark takes the rest)."""
    validate_past_expiration_date: Optional[pulumi.Input[bool]] = None
    """Accepted for pulumi-gitlab compatibility; past dates are always rejected at preview."""
    adopt_token_id: Optional[pulumi.Input[int]] = None
    """Id of an existing token of this account to adopt instead of creating one (rotated: the old value
    stops working). Read only when the resource is created."""


class GroupServiceAccountAccessToken(TokenResource, module="gitlab", name="GroupServiceAccountAccessToken"):
    """A personal access token of a group's service account
    (Pulumi type ``pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken``).

    Behaves like :class:`~pulumi_gitlab_tokens.GroupAccessToken` without an access level:
    changing ``group``, ``user_id``, ``name``, ``scopes`` or ``description`` replaces the
    token; a new expiry or the rotation window rotates it (same account, new ``token_id``
    and ``token``). ``user_id`` is the account, shared by all its tokens.
    """

    group: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[GroupServiceAccountAccessTokenArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        group: Optional[pulumi.Input[Union[str, int]]] = None,
        user_id: Optional[pulumi.Input[int]] = None,
        scopes: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        expires_at: Optional[pulumi.Input[str]] = None,
        rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None,
        description: Optional[pulumi.Input[str]] = None,
        validate_past_expiration_date: Optional[pulumi.Input[bool]] = None,
        adopt_token_id: Optional[pulumi.Input[int]] = None,
    ) -> None:
        typed, opts = split_args(args, opts, GroupServiceAccountAccessTokenArgs)
        if typed is None:
            typed = GroupServiceAccountAccessTokenArgs(
                group=group,  # type: ignore[arg-type]  # check() reports what is missing
                user_id=user_id,  # type: ignore[arg-type]
                scopes=scopes,  # type: ignore[arg-type]
                name=name,
                expires_at=expires_at,
                rotation_configuration=rotation_configuration,
                description=description,
                validate_past_expiration_date=validate_past_expiration_date,
                adopt_token_id=adopt_token_id,
            )
        super().__init__(provider_class(kinds.GROUP_SERVICE_ACCOUNT), resource_name, typed, opts)


@dataclass(frozen=True, kw_only=True)
class ProjectServiceAccountArgs:
    """Arguments of :class:`ProjectServiceAccount`."""

    project: pulumi.Input[Union[str, int]]
    """The project's numeric id or full path. Changing it replaces the account."""
    name: Optional[pulumi.Input[str]] = None
    """Display name; GitLab's default is ``Service account user``. Changing it replaces the account. GitLab
    shows it followed by the provider's ownership mark, which takes some of its 255 characters."""
    username: Optional[pulumi.Input[str]] = None
    """Username; GitLab generates ``service_account_project_<project id>_<hex>`` when left out."""
    email: Optional[pulumi.Input[str]] = None
    """Email; GitLab uses ``<username>@noreply.<host>`` when left out."""


class ProjectServiceAccount(pulumi.dynamic.Resource, module="gitlab", name="ProjectServiceAccount"):
    """A project's service account (Pulumi type ``pulumi-python:dynamic/gitlab:ProjectServiceAccount``).

    As :class:`GroupServiceAccount`, with a project as its parent (GitLab 18.11 and later).
    """

    project: pulumi.Output[str]
    service_account_id: pulumi.Output[int]
    """The account's user id: the ``user_id`` of its tokens and memberships."""
    name: pulumi.Output[str]
    username: pulumi.Output[str]
    email: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[ProjectServiceAccountArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project: Optional[pulumi.Input[Union[str, int]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        username: Optional[pulumi.Input[str]] = None,
        email: Optional[pulumi.Input[str]] = None,
    ) -> None:
        typed, opts = split_args(args, opts, ProjectServiceAccountArgs)
        if typed is None:
            typed = ProjectServiceAccountArgs(project=project, name=name, username=username,  # type: ignore[arg-type]
                                              email=email)
        props = {"project": typed.project, "name": typed.name, "username": typed.username, "email": typed.email,
                 "service_account_id": None}
        # The stack and resource, named in the ownership mark of the account's name.
        provider = ProjectServiceAccountProvider(
            _owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts), _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, opts)


@dataclass(frozen=True, kw_only=True)
class ProjectServiceAccountAccessTokenArgs:
    """Arguments of :class:`ProjectServiceAccountAccessToken`."""

    project: pulumi.Input[Union[str, int]]
    """The project holding the account (id or full path). Changing it replaces the token."""
    user_id: pulumi.Input[int]
    """The service account's user id (``ProjectServiceAccount.service_account_id``). Changing it replaces the token."""
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Scopes of the token, at least one (``catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES``: no administrator scopes)."""
    name: Optional[pulumi.Input[str]] = None
    """Token name; defaults to the resource name. Changing it replaces the token."""
    expires_at: Optional[pulumi.Input[str]] = None
    """Fixed expiry date ``YYYY-MM-DD``; changing it rotates the token. Exclusive with ``rotation_configuration``."""
    rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None
    """Renew the token automatically; exclusive with ``expires_at``."""
    description: Optional[pulumi.Input[str]] = None
    """Description shown in GitLab (at most 223 characters: the ownership mark takes the rest)."""
    validate_past_expiration_date: Optional[pulumi.Input[bool]] = None
    """Accepted for pulumi-gitlab compatibility; past dates are always rejected at preview."""
    adopt_token_id: Optional[pulumi.Input[int]] = None
    """Id of an existing token of this account to adopt instead of creating one (rotated: the old value
    stops working). Read only when the resource is created."""


class ProjectServiceAccountAccessToken(TokenResource, module="gitlab", name="ProjectServiceAccountAccessToken"):
    """A personal access token of a project's service account
    (Pulumi type ``pulumi-python:dynamic/gitlab:ProjectServiceAccountAccessToken``).

    As :class:`GroupServiceAccountAccessToken`, with a project as its parent.
    """

    project: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[ProjectServiceAccountAccessTokenArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project: Optional[pulumi.Input[Union[str, int]]] = None,
        user_id: Optional[pulumi.Input[int]] = None,
        scopes: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        expires_at: Optional[pulumi.Input[str]] = None,
        rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None,
        description: Optional[pulumi.Input[str]] = None,
        validate_past_expiration_date: Optional[pulumi.Input[bool]] = None,
        adopt_token_id: Optional[pulumi.Input[int]] = None,
    ) -> None:
        typed, opts = split_args(args, opts, ProjectServiceAccountAccessTokenArgs)
        if typed is None:
            typed = ProjectServiceAccountAccessTokenArgs(
                project=project,  # type: ignore[arg-type]  # check() reports what is missing
                user_id=user_id,  # type: ignore[arg-type]
                scopes=scopes,  # type: ignore[arg-type]
                name=name,
                expires_at=expires_at,
                rotation_configuration=rotation_configuration,
                description=description,
                validate_past_expiration_date=validate_past_expiration_date,
                adopt_token_id=adopt_token_id,
            )
        super().__init__(provider_class(kinds.PROJECT_SERVICE_ACCOUNT), resource_name, typed, opts)

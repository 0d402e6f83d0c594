"""``UserImpersonationToken``: a token that acts as a user, as a resource a program declares.

Inputs follow pulumi-gitlab's ``gitlab.UserImpersonationToken``, with ``description``
and ``rotation_configuration`` as the other kinds have them::

    from pulumi_gitlab_tokens import RotationConfigurationArgs, UserImpersonationToken

    support = UserImpersonationToken(
        "support",
        user_id=42,
        scopes=["read_api"],
        rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
    )
    pulumi.export("support_token", support.token)  # always a secret

GitLab has no rotate route for impersonation tokens: a new ``expires_at``, a changed
``rotation_configuration`` or reaching the rotation window *replaces* the token
(create before revoke). Only administrators manage them, so ``gitlab:token`` must
be an administrator's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import pulumi

from .. import kinds
from ..lifecycle.provider import provider_class
from .tokens import RotationConfigurationInput, TokenResource, split_args


@dataclass(frozen=True, kw_only=True)
class UserImpersonationTokenArgs:
    """Arguments of :class:`UserImpersonationToken` (pulumi-gitlab's ``gitlab.UserImpersonationToken``)."""

    user_id: pulumi.Input[int]
    """The id of the user the token acts as. Changing it replaces the token."""
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Scopes of the token, at least one (``catalogue.PERSONAL_TOKEN_SCOPES``: ``sudo`` and ``admin_mode`` too)."""
    name: Optional[pulumi.Input[str]] = None
    """Token name; defaults to the resource name. Changing it replaces the token."""
    expires_at: Optional[pulumi.Input[str]] = None
    """Fixed expiry date ``YYYY-MM-DD``; changing it replaces the token. Exclusive with ``rotation_configuration``."""
    rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None
    """Replace the token when its rotation window is reached; exclusive with ``expires_at``."""
    description: Optional[pulumi.Input[str]] = None
    """Description shown in GitLab (at most 223 characters, as for the other kinds). Changing it replaces the token."""
    validate_past_expiration_date: Optional[pulumi.Input[bool]] = None
    """Accepted for pulumi-gitlab compatibility; past dates are always rejected at preview."""


class UserImpersonationToken(TokenResource, module="gitlab", name="UserImpersonationToken"):
    """An administrator's token that acts as a user (Pulumi type
    ``pulumi-python:dynamic/gitlab:UserImpersonationToken``).

    Changing any input but ``validate_past_expiration_date`` replaces the token,
    create before revoke; so does reaching the rotation window. Deleting the
    resource revokes the token.
    """

    user_id: pulumi.Output[int]
    impersonation: pulumi.Output[bool]
    """Always true: GitLab's mark of an impersonation token."""

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[UserImpersonationTokenArgs, pulumi.ResourceOptions]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        user_id: Optional[pulumi.Input[int]] = None,
        scopes: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        name: Optional[pulumi.Input[str]] = None,
        expires_at: Optional[pulumi.Input[str]] = None,
        rotation_configuration: Optional[pulumi.Input[RotationConfigurationInput]] = None,
        description: Optional[pulumi.Input[str]] = None,
        validate_past_expiration_date: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name; also the token name unless ``name`` is given.
        :param args: A :class:`UserImpersonationTokenArgs`, or pass the inputs as keywords.
        :param opts: Resource options; ``additional_secret_outputs=["token"]`` is always added.
        """
        typed, opts = split_args(args, opts, UserImpersonationTokenArgs)
        if typed is None:
            typed = UserImpersonationTokenArgs(
                user_id=user_id,  # type: ignore[arg-type]  # check() reports a missing user_id
                scopes=scopes,  # type: ignore[arg-type]
                name=name,
                expires_at=expires_at,
                rotation_configuration=rotation_configuration,
                description=description,
                validate_past_expiration_date=validate_past_expiration_date,
            )
        super().__init__(provider_class(kinds.IMPERSONATION), resource_name, typed, opts)

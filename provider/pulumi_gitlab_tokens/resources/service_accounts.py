"""The service account resources' base, :class:`ServiceAccountResource`; the classes (``GroupServiceAccount``,
``ProjectServiceAccount``) and their tokens' are generated (``resources/_generated.py``, ``make faces``).
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

from dataclasses import fields
from typing import Any, Optional

import pulumi
import pulumi.dynamic

from ..common.pickling import pickler_restored
from ..service_accounts.provider import COMPUTED, ServiceAccountProvider
from .tokens import _backend, _identity, _owner


class ServiceAccountResource(pulumi.dynamic.Resource):
    """The base of ``GroupServiceAccount`` and ``ProjectServiceAccount``: its inputs and computed outputs, its provider named after it."""

    def __init__(self, provider_class: type[ServiceAccountProvider], resource_name: str, args: Any,
                 opts: Optional[pulumi.ResourceOptions]) -> None:
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        for key in COMPUTED:
            props[key] = None
        # The stack and resource, named in the ownership mark of the account's name.
        provider = provider_class(
            _owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts), _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, opts)

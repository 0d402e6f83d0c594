"""The token resources' base, :class:`TokenResource`: what every token resource class does, whatever its kind.

The classes themselves (``ProjectAccessToken``, ...) and their ``...Args`` are generated from the
kinds' declarations (``resources/_generated.py``, ``make faces``); their inputs follow
pulumi-gitlab's, so a stack can switch by changing an import (docs/migration.md).
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any, Mapping, Optional, Union

import pulumi
import pulumi.dynamic

from ..common import config_keys
from ..common.pickling import pickler_restored
from ..lifecycle import delivery
from ..lifecycle.provider import AccessTokenProvider
from ..lifecycle.stored import PREDECESSORS_KEY
from ..rules import ownership


@pulumi.input_type
class RotationConfigurationArgs:
    """Keep a token fresh: each ``pulumi up`` within ``rotate_before_days`` of the
    expiry rotates it to a new token living ``expiration_days``.

    With ``grace_period_days`` a rotation overlaps: it mints a successor (for
    project and group tokens a new token with a bot user of its own) instead of
    calling GitLab's rotate API, which revokes the old value at once. The old one is
    revoked by the first ``up`` on or after ``grace_period_days``, once every
    ``ProjectVariable`` or ``GroupVariable`` fed from the token holds the new value (the
    token's ``<name>-predecessors`` child does it; see :mod:`.delivery`). A refresh never
    revokes."""

    def __init__(
        __self__,
        *,
        expiration_days: pulumi.Input[int],
        rotate_before_days: pulumi.Input[int],
        grace_period_days: Optional[pulumi.Input[int]] = None,
    ) -> None:
        """
        :param expiration_days: Lifetime in days of each token (at most the instance's maximum, 365 by default).
        :param rotate_before_days: Rotate this many days before expiry; less than ``expiration_days``.
        :param grace_period_days: Keep the old value working this many days after a rotation (less than
            ``rotate_before_days``); unset or 0: GitLab's rotate, which revokes it at once.
        """
        pulumi.set(__self__, "expiration_days", expiration_days)
        pulumi.set(__self__, "rotate_before_days", rotate_before_days)
        if grace_period_days is not None:
            pulumi.set(__self__, "grace_period_days", grace_period_days)

    @property
    @pulumi.getter(name="expiration_days")
    def expiration_days(self) -> pulumi.Input[int]:
        return pulumi.get(self, "expiration_days")

    @property
    @pulumi.getter(name="rotate_before_days")
    def rotate_before_days(self) -> pulumi.Input[int]:
        return pulumi.get(self, "rotate_before_days")

    @property
    @pulumi.getter(name="grace_period_days")
    def grace_period_days(self) -> Optional[pulumi.Input[int]]:
        return pulumi.get(self, "grace_period_days")


RotationConfigurationInput = Union[RotationConfigurationArgs, Mapping[str, Any]]


class TokenResource(pulumi.dynamic.Resource):
    """The base of every token resource class (generated, ``resources/_generated.py``): the inputs, every
    computed output as a key, and ``token`` marked secret. Each class declares its output annotations
    itself: the SDK reads only a class's own (``inspect.get_annotations``), and turns the engine's numbers,
    all doubles, back into ``int`` by them."""

    def __init__(
        self,
        provider_class: type[AccessTokenProvider],
        resource_name: str,
        args: Any,
        opts: Optional[pulumi.ResourceOptions],
    ) -> None:
        _warn_about_old_config_keys()
        resource_type = f"pulumi-python:{self._resource_type_name}"
        provider = provider_class(_owner(), _identity(resource_type, resource_name, opts), _backend())
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        if "name" in props and props["name"] is None:  # a kind with names: the resource's by default
            props["name"] = resource_name
        # Output attributes exist only for keys passed in (as None: computed).
        for key in provider_class.kind.computed_outputs:
            props.setdefault(key, None)
        overlaps = _grace_period_given(props.get("rotation_configuration"))
        if overlaps:
            props.setdefault(PREDECESSORS_KEY, None)  # an output its predecessor revocation reads
        secret_token = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, pulumi.ResourceOptions.merge(secret_token, opts))
        if overlaps:
            delivery.revocation_for(self, resource_name, provider_class.kind)


def _grace_period_given(rotation: Any) -> bool:
    """Whether ``rotation_configuration`` may have a grace period: a positive one, or one not known yet."""
    if rotation is None:
        return False
    if isinstance(rotation, pulumi.Output):
        return True
    grace = rotation.get("grace_period_days") if isinstance(rotation, Mapping) else getattr(
        rotation, "grace_period_days", None)
    if grace is None or (isinstance(grace, int) and not isinstance(grace, bool) and grace <= 0):
        return False
    return True


@functools.cache
def _warn_about_old_config_keys() -> None:
    """Once per program: a setting still under its old key in pulumi-gitlab's namespace.

    The provider still reads it, but only the program can show a warning
    (the provider process has no engine connection to log through).
    """
    namespace, key = config_keys.LEGACY_MAX_LIFETIME_KEY.split(":", 1)
    old = pulumi.Config(namespace).get(key)
    if old is not None:
        current = pulumi.Config(config_keys.NAMESPACE).get(key)
        pulumi.log.warn(config_keys.legacy_max_lifetime_warning(old, current))


def _owner() -> str:
    """The stack declaring the resource, named in its tokens' ownership mark (see :mod:`.ownership`)."""
    return ownership.stack_owner(pulumi.get_organization(), pulumi.get_project(), pulumi.get_stack())


@functools.cache
def _backend() -> str:
    """The backend this run's state lives in, named in the ownership mark: two stacks of equal names on
    two backends are two owners (see :func:`.ownership.backend_identity`)."""
    return ownership.backend_identity()


def _identity(resource_type: str, resource_name: str, opts: Optional[pulumi.ResourceOptions]) -> str:
    """The resource's type and name, after its parent's: stable from run to run, like its URN.

    Named in the ownership mark of the resource's tokens, so two resources
    whose tokens share a name never take each other's tokens. A URN names only the
    parent's type; the parent's name is added too, which is as stable.
    """
    own = f"{resource_type}::{resource_name}"
    parent = opts.parent if opts is not None else None
    if parent is None or parent.pulumi_resource_type == "pulumi:pulumi:Stack":
        return own
    return f"{parent.pulumi_resource_type}::{parent.pulumi_resource_name}${own}"


def split_args(
    args: Any, opts: Optional[pulumi.ResourceOptions], args_type: type
) -> tuple[Any, Optional[pulumi.ResourceOptions]]:
    """Accept both ``Resource(name, args, opts)`` and ``Resource(name, opts, **kwargs)``."""
    if isinstance(args, pulumi.ResourceOptions):
        return None, args
    if args is not None and not isinstance(args, args_type):
        raise TypeError(f"expected {args_type.__name__} or ResourceOptions, got {type(args).__name__}")
    return args, opts

"""N project access tokens across N projects, or the engine's floor: N no-op resources of the same shape.

Config: ``count`` (N), ``group`` (the projects are ``<group>/p0000`` ...),
``flavor`` (``ours``: real ``ProjectAccessToken``s of the dynamic face; ``native``:
the native provider's, through the Python SDK generated from its schema, which the
bench puts on ``PYTHONPATH``; ``floor``: ``NoopProjectToken``s). Every flavor
declares exactly the same inputs, so the difference in wall time between them is
what the provider itself costs.
"""

import functools

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, ProjectAccessTokenArgs, RotationConfigurationArgs

from noop_tokens import NoopProjectToken

config = pulumi.Config()
count = config.require_int("count")
group = config.require("group")
flavor = config.require("flavor")


def dynamic_token(resource_class: type, index: int) -> None:
    """The dynamic face's token (or the floor's look-alike) ``index``."""
    resource_class(
        f"token-{index:04d}",
        ProjectAccessTokenArgs(
            project=f"{group}/p{index:04d}",
            scopes=["read_api"],
            access_level="developer",
            rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
            description="benchmark",
        ),
    )


def native_token(index: int) -> None:
    """The native face's token ``index``: the same inputs, as the generated SDK takes them."""
    import pulumi_gitlab_tokens_native as native

    native.ProjectAccessToken(
        f"token-{index:04d}",
        project=f"{group}/p{index:04d}",
        scopes=["read_api"],
        access_level="developer",
        rotation_configuration=native.RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
        description="benchmark",
    )


declare = {"ours": functools.partial(dynamic_token, ProjectAccessToken),
           "floor": functools.partial(dynamic_token, NoopProjectToken), "native": native_token}[flavor]
for index in range(count):
    declare(index)

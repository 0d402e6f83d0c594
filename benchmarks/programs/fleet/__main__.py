"""N project access tokens across N projects, or the engine's floor: N no-op resources of the same shape.

Config: ``count`` (N), ``group`` (the projects are ``<group>/p0000`` ...),
``flavor`` (``ours``: real ``ProjectAccessToken``s; ``floor``: ``NoopProjectToken``s).
Both flavors declare exactly the same inputs, so the difference in wall time
between them is what the provider itself costs.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, ProjectAccessTokenArgs, RotationConfigurationArgs

from noop_tokens import NoopProjectToken

config = pulumi.Config()
count = config.require_int("count")
group = config.require("group")
flavor = config.require("flavor")
resource_class = {"ours": ProjectAccessToken, "floor": NoopProjectToken}[flavor]

for index in range(count):
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

"""Two project access tokens in one project, compliant with the pack's defaults.

Config: project (required); sameName (default false) gives both tokens the
name ``deploy``, which gitlab-token-unique-names refuses.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

config = pulumi.Config()
same_name = config.get_bool("sameName") or False

for resource_name in ("deploy", "deploy-again"):
    ProjectAccessToken(
        resource_name,
        project=config.require("project"),
        name="deploy" if same_name else resource_name,
        scopes=["read_api"],
        access_level="developer",
        rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
        description="policy pack engine test",
    )

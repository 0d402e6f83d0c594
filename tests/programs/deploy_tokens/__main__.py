"""A project deploy token and a group deploy token, both renewed by a rotation window.

Config: project, group (required).
"""

import pulumi

from pulumi_gitlab_tokens import GroupDeployToken, ProjectDeployToken, RotationConfigurationArgs

config = pulumi.Config()
rotation = RotationConfigurationArgs(expiration_days=30, rotate_before_days=7)

project_token = ProjectDeployToken(
    "project-deploy-token",
    project=config.require("project"),
    scopes=["read_registry", "read_repository"],
    rotation_configuration=rotation,
)
group_token = GroupDeployToken(
    "group-deploy-token",
    group=config.require("group"),
    name="group pull",
    username="group-puller",
    scopes=["read_package_registry"],
    rotation_configuration=rotation,
)
for prefix, token in (("project", project_token), ("group", group_token)):
    pulumi.export(f"{prefix}_token", token.token)
    pulumi.export(f"{prefix}_token_id", token.token_id)
    pulumi.export(f"{prefix}_username", token.username)

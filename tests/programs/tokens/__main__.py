"""A project access token and a group access token; stack config shapes both.

Config: project, group (required); scopes (comma-separated, default read_api);
expirationDays / rotateBeforeDays (rotation, default 30 / 7); expiresAt (a fixed
date instead of rotation); count (how many project tokens, default 1).
"""

import pulumi

from pulumi_gitlab_tokens import GroupAccessToken, ProjectAccessToken, RotationConfigurationArgs

config = pulumi.Config()
scopes = (config.get("scopes") or "read_api").split(",")
expires_at = config.get("expiresAt")
rotation = None if expires_at else RotationConfigurationArgs(
    expiration_days=config.get_int("expirationDays") or 30,
    rotate_before_days=config.get_int("rotateBeforeDays") or 7,
)

for index in range(config.get_int("count") or 1):
    suffix = "" if index == 0 else f"-{index}"
    project_token = ProjectAccessToken(
        f"project-token{suffix}",
        project=config.require("project"),
        scopes=scopes,
        access_level="developer",
        rotation_configuration=rotation,
        expires_at=expires_at,
        description="engine test",
    )
    pulumi.export(f"project_token{suffix}", project_token.token)
    pulumi.export(f"project_token_id{suffix}", project_token.token_id)
    pulumi.export(f"project_user_id{suffix}", project_token.user_id)

if config.get_bool("withGroup") is not False:
    group_token = GroupAccessToken(
        "group-token",
        group=config.require("group"),
        scopes=scopes,
        access_level="reporter",
        rotation_configuration=rotation,
        expires_at=expires_at,
        description="engine test",
    )
    pulumi.export("group_token", group_token.token)
    pulumi.export("group_token_id", group_token.token_id)
    pulumi.export("group_user_id", group_token.user_id)

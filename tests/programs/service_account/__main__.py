"""A group's service account and one token of it, the token's user_id taken from the account; with
``projectAccounts`` set, a project's service account and one token of it as well.

Config: group (required); project (required with projectAccounts); scopes (comma-separated,
default read_api); expirationDays / rotateBeforeDays (rotation, default 30 / 7); username /
email of the group's account (GitLab's defaults when unset).
"""

import pulumi

from pulumi_gitlab_tokens import (
    GroupServiceAccount,
    GroupServiceAccountAccessToken,
    ProjectServiceAccount,
    ProjectServiceAccountAccessToken,
    RotationConfigurationArgs,
)

config = pulumi.Config()
group = config.require("group")
scopes = (config.get("scopes") or "read_api").split(",")
rotation = RotationConfigurationArgs(
    expiration_days=config.get_int("expirationDays") or 30,
    rotate_before_days=config.get_int("rotateBeforeDays") or 7,
)

robot = GroupServiceAccount("ci-robot", group=group, name="CI robot", username=config.get("username"),
                            email=config.get("email"))
token = GroupServiceAccountAccessToken(
    "ci-token",
    group=group,
    user_id=robot.service_account_id,
    scopes=scopes,
    rotation_configuration=rotation,
    description="engine test",
)

pulumi.export("account_id", robot.service_account_id)
pulumi.export("sa_token", token.token)
pulumi.export("sa_token_id", token.token_id)
pulumi.export("sa_user_id", token.user_id)

if config.get_bool("projectAccounts"):
    project = config.require("project")
    deployer = ProjectServiceAccount("deploy-robot", project=project, name="Deploy robot")
    deploy_token = ProjectServiceAccountAccessToken(
        "deploy-token",
        project=project,
        user_id=deployer.service_account_id,
        scopes=scopes,
        rotation_configuration=rotation,
        description="engine test",
    )
    pulumi.export("project_account_id", deployer.service_account_id)
    pulumi.export("project_sa_token", deploy_token.token)
    pulumi.export("project_sa_token_id", deploy_token.token_id)
    pulumi.export("project_sa_user_id", deploy_token.user_id)

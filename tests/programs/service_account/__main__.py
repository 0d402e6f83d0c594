"""A group's service account and one token of it, the token's user_id taken from the account.

Config: group (required); scopes (comma-separated, default read_api);
expirationDays / rotateBeforeDays (rotation, default 30 / 7); username / email of the
account (GitLab's defaults when unset).
"""

import pulumi

from pulumi_gitlab_tokens import GroupServiceAccount, GroupServiceAccountAccessToken, RotationConfigurationArgs

config = pulumi.Config()
group = config.require("group")

robot = GroupServiceAccount("ci-robot", group=group, name="CI robot", username=config.get("username"),
                            email=config.get("email"))
token = GroupServiceAccountAccessToken(
    "ci-token",
    group=group,
    user_id=robot.service_account_id,
    scopes=(config.get("scopes") or "read_api").split(","),
    rotation_configuration=RotationConfigurationArgs(
        expiration_days=config.get_int("expirationDays") or 30,
        rotate_before_days=config.get_int("rotateBeforeDays") or 7,
    ),
    description="engine test",
)

pulumi.export("account_id", robot.service_account_id)
pulumi.export("sa_token", token.token)
pulumi.export("sa_token_id", token.token_id)
pulumi.export("sa_user_id", token.user_id)

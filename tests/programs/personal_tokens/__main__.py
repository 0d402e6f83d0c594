"""Tokens of users, made with an administrator's credential: a personal access token for a user and
one for an instance service account, and an impersonation token for the user.

Config: userId, accountId (required); scopes (comma-separated, default read_api);
expirationDays / rotateBeforeDays (rotation, default 30 / 7).
"""

import pulumi

from pulumi_gitlab_tokens import PersonalAccessToken, RotationConfigurationArgs, UserImpersonationToken

config = pulumi.Config()
scopes = (config.get("scopes") or "read_api").split(",")
rotation = RotationConfigurationArgs(
    expiration_days=config.get_int("expirationDays") or 30,
    rotate_before_days=config.get_int("rotateBeforeDays") or 7,
)

for label, key in (("user", "userId"), ("account", "accountId")):
    token = PersonalAccessToken(
        f"{label}-token",
        user_id=config.require_int(key),
        scopes=scopes,
        rotation_configuration=rotation,
        description="engine test",
    )
    pulumi.export(f"{label}_token", token.token)
    pulumi.export(f"{label}_token_id", token.token_id)
    pulumi.export(f"{label}_user_id", token.user_id)

impersonation = UserImpersonationToken(
    "impersonation-token",
    user_id=config.require_int("userId"),
    scopes=scopes,
    rotation_configuration=rotation,
    description="engine test",
)
pulumi.export("impersonation_token", impersonation.token)
pulumi.export("impersonation_token_id", impersonation.token_id)

"""A token that lives 14 days and is rotated once fewer than 3 days remain.

Run `pulumi up` every night (see README.md). On most nights nothing changes;
on the first night inside the rotation window the token is rotated in place:
same bot user, new token id, new value, new expiry 14 days out.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

project = pulumi.Config().get("project") or "acme/app"

nightly = ProjectAccessToken(
    "nightly-rotated",
    project=project,
    name="nightly-rotated",
    scopes=["read_api"],
    access_level="reporter",
    rotation_configuration=RotationConfigurationArgs(expiration_days=14, rotate_before_days=3),
    description="Rotated by the nightly pulumi up",
)

pulumi.export("token", nightly.token)
pulumi.export("token_id", nightly.token_id)
pulumi.export("bot_user_id", nightly.user_id)
pulumi.export("expires_at", nightly.expires_at)

"""A token that lives 90 days and is rotated once 65 days or fewer remain.

Run `pulumi up` every night (see README.md). On most nights nothing changes;
on the first night inside the rotation window (25 days after the token was
made) it is rotated in place: same bot user, new token id, new value, new
expiry 90 days out. 65 days is before GitLab's first expiry reminder (60 days
out), so a reminder only ever comes when the nightly run has been failing.
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
    rotation_configuration=RotationConfigurationArgs(expiration_days=90, rotate_before_days=65),
    description="Rotated by the nightly pulumi up",
)

pulumi.export("token", nightly.token)
pulumi.export("token_id", nightly.token_id)
pulumi.export("bot_user_id", nightly.user_id)
pulumi.export("expires_at", nightly.expires_at)

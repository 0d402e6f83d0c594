"""A token delivered to the pipelines that use it, rotated nightly without breaking a running job.

- `registry-reader` is a project access token on `project`, living 90 days and
  rotated 65 days before it expires, so it is renewed before GitLab's first
  expiry reminder (60 days) and a failing nightly run is noticed long before
  the token lapses.
- `REGISTRY_TOKEN` is a masked, protected CI/CD variable of `consumer`, fed
  from the token's value: the `pulumi up` that rotates the token rewrites it.
- `grace_period_days` makes each rotation overlap: a successor is minted and
  delivered, and the previous value keeps working for that many days, so a
  job that read the variable before the rotation finishes with it. The first
  `up` after the grace period revokes it, once the variable holds the new value.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, ProjectVariable, RotationConfigurationArgs

config = pulumi.Config()
project = config.get("project") or "acme/app"
consumer = config.get("consumer") or "acme/deployer"
grace_period_days = config.get_int("gracePeriodDays")

reader = ProjectAccessToken(
    "registry-reader",
    project=project,
    name="registry-reader",
    scopes=["read_registry"],
    access_level="reporter",
    rotation_configuration=RotationConfigurationArgs(
        expiration_days=90,
        rotate_before_days=65,
        grace_period_days=3 if grace_period_days is None else grace_period_days,
    ),
    description=f"Pulls images for {consumer}'s pipelines",
)

ProjectVariable(
    "registry-token",
    project=consumer,
    key="REGISTRY_TOKEN",
    value=reader.token,
    masked=True,
    protected=True,
    description=f"Delivered by Pulumi from {project}'s registry-reader token",
)

pulumi.export("token_id", reader.token_id)
pulumi.export("bot_user_id", reader.user_id)
pulumi.export("expires_at", reader.expires_at)

"""The quickstart program (Pulumi.yaml at the repository root; `make demo` runs it).

Two access tokens: a project access token the deploy pipeline uses and a read-only
group access token for the whole group, each living 90 days and rotated in place
65 days before it expires whenever `pulumi up` runs: before GitLab's first expiry
reminder (60 days out), so a reminder means the scheduled run has been failing. Both
token values leave the stack only as secrets.
"""

import pulumi

from pulumi_gitlab_tokens import GroupAccessToken, ProjectAccessToken, RotationConfigurationArgs

config = pulumi.Config()
project = config.get("project") or "acme/app"
group = config.get("group") or "acme"

deploy = ProjectAccessToken(
    "ci-deploy",
    project=project,
    name="ci-deploy",
    scopes=["read_registry", "read_repository"],
    access_level="developer",
    rotation_configuration=RotationConfigurationArgs(expiration_days=90, rotate_before_days=65),
    description="Pulls images and code in the deploy pipeline",
)

reader = GroupAccessToken(
    "group-reader",
    group=group,
    name="group-reader",
    scopes=["read_api"],
    access_level="reporter",
    rotation_configuration=RotationConfigurationArgs(expiration_days=90, rotate_before_days=65),
    description="Read-only API access for the group's dashboards",
)

pulumi.export("project_token", deploy.token)
pulumi.export("project_token_expires_at", deploy.expires_at)
pulumi.export("project_token_bot_user_id", deploy.user_id)
pulumi.export("group_token", reader.token)
pulumi.export("group_token_expires_at", reader.expires_at)

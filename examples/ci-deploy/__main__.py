"""Tokens a deployment pipeline needs, rotated 7 days before they expire.

- `registry-pull`: pulls images from the project's container registry;
- `repo-push`: pushes release tags and changelog commits.

Each is exported as a secret; see README.md for handing them to CI variables.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

project = pulumi.Config().get("project") or "acme/app"
every_30_days = RotationConfigurationArgs(expiration_days=30, rotate_before_days=7)

registry_pull = ProjectAccessToken(
    "registry-pull",
    project=project,
    name="ci-registry-pull",
    scopes=["read_registry"],
    access_level="reporter",
    rotation_configuration=every_30_days,
    description="CI: pulls images from the container registry",
)

repo_push = ProjectAccessToken(
    "repo-push",
    project=project,
    name="ci-repo-push",
    scopes=["write_repository"],
    access_level="developer",
    rotation_configuration=every_30_days,
    description="CI: pushes release tags and changelog commits",
)

pulumi.export("registry_pull_token", registry_pull.token)
pulumi.export("repo_push_token", repo_push.token)
pulumi.export("repo_push_bot_user_id", repo_push.user_id)

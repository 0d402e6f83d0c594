"""Tokens a deployment pipeline needs, living 90 days and rotated 65 days before they expire
(before GitLab's first reminder, 60 days out).

- `registry-pull`: pulls images from the project's container registry;
- `repo-push`: pushes release tags and changelog commits.

Each is exported as a secret; see README.md for handing them to CI variables.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

project = pulumi.Config().get("project") or "acme/app"
ahead_of_reminders = RotationConfigurationArgs(expiration_days=90, rotate_before_days=65)

registry_pull = ProjectAccessToken(
    "registry-pull",
    project=project,
    name="ci-registry-pull",
    scopes=["read_registry"],
    access_level="reporter",
    rotation_configuration=ahead_of_reminders,
    description="CI: pulls images from the container registry",
)

repo_push = ProjectAccessToken(
    "repo-push",
    project=project,
    name="ci-repo-push",
    scopes=["write_repository"],
    access_level="developer",
    rotation_configuration=ahead_of_reminders,
    description="CI: pushes release tags and changelog commits",
)

pulumi.export("registry_pull_token", registry_pull.token)
pulumi.export("repo_push_token", repo_push.token)
pulumi.export("repo_push_bot_user_id", repo_push.user_id)

"""A token the default policy pack refuses at `pulumi preview`:

- the `api` scope (forbidden by gitlab-token-scopes),
- a 180-day lifetime (gitlab-token-lifetime allows 90 by default),
- no description (gitlab-token-description, advisory).

`policy-config.json` in this directory is a documented exemption that lets it pass.
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

project = pulumi.Config().get("project") or "acme/app"

ProjectAccessToken(
    "release-automation",
    project=project,
    name="release-automation",
    scopes=["api"],
    access_level="maintainer",
    rotation_configuration=RotationConfigurationArgs(expiration_days=180, rotate_before_days=30),
)

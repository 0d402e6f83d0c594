"""A project access token rotated on a schedule, declared through the generated Python SDK.

Config: project (required). The provider's settings are ``gitlab-tokens:*`` stack config.
"""

import pulumi
import pulumi_gitlab_tokens_native as gitlab_tokens

config = pulumi.Config()
token = gitlab_tokens.ProjectAccessToken(
    "ci-token",
    project=config.require("project"),
    scopes=["read_api"],
    access_level="developer",
    rotation_configuration=gitlab_tokens.RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
    description="engine test",
)
pulumi.export("token", token.token)
pulumi.export("token_id", token.token_id)

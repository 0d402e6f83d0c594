"""Adopt an existing project token, then export the project's live tokens as records.

Config: project, adoptTokenId (the id of a token made outside Pulumi, named ``ci-legacy``).
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs, list_project_access_tokens

config = pulumi.Config()
project = config.require("project")

token = ProjectAccessToken(
    "adopted",
    project=project,
    name="ci-legacy",
    scopes=["read_api"],
    access_level="developer",
    rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
    adopt_token_id=config.require_int("adoptTokenId"),
)
pulumi.export("token", token.token)
pulumi.export("token_id", token.token_id)
pulumi.export("user_id", token.user_id)
# Listed once the token is known, so the audit sees the adopted token; records carry no value.
pulumi.export("live_tokens", token.token_id.apply(
    lambda _: [record.to_dict() for record in list_project_access_tokens(project, state="active")]))

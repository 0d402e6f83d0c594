"""One project token; the program reports the Python types its numeric outputs arrive as.

Config: project (required).
"""

import pulumi

from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

token = ProjectAccessToken(
    "typed",
    project=pulumi.Config().require("project"),
    scopes=["read_api"],
    rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
)
pulumi.export("token", token.token)
pulumi.export("token_id", token.token_id)
# What a program sees: "int:54", never "float:54.0".
pulumi.export("seen_by_program", pulumi.Output.all(token.token_id, token.user_id).apply(
    lambda ids: [f"{type(value).__name__}:{value!r}" for value in ids]))

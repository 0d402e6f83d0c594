"""One project token, made by the package as installed into this program's virtualenv.

Config: project (required). The test writes requirements.txt (the built wheel)
next to this file; the language host creates ``venv`` from it.
"""

import pulumi
import pulumi_gitlab_tokens
from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

token = ProjectAccessToken(
    "deploy",
    project=pulumi.Config().require("project"),
    scopes=["read_repository"],
    access_level="developer",
    rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
)

pulumi.export("token", token.token)
# Where the package was imported from, so the test can tell the wheel from the repository.
pulumi.export("package_file", pulumi_gitlab_tokens.__file__)

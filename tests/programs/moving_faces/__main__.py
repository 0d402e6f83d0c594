"""A project access token ``ci-token``, dynamic or native, and a masked variable ``CI_TOKEN`` fed from it.

Config: project (required); face (``dynamic``, the default, or ``native``, through the generated
Python SDK); retain (boolean: the dynamic token leaves the stack without being revoked);
importId (the native token adopts this GitLab token, ``<project>:<token id>``, instead of minting);
keepVariableValue (boolean: the variable ignores changes of its value, keeping what GitLab holds).
"""

import pulumi

from pulumi_gitlab_tokens import ProjectVariable

config = pulumi.Config()
project = config.require("project")
shape = {"project": project, "scopes": ["read_api"], "access_level": "developer", "description": "moving faces"}

if (config.get("face") or "dynamic") == "native":
    import pulumi_gitlab_tokens_native as native

    import_id = config.get("importId")
    token = native.ProjectAccessToken(
        "ci-token",
        rotation_configuration=native.RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
        opts=pulumi.ResourceOptions(import_=import_id) if import_id else None,
        **shape,
    )
else:
    from pulumi_gitlab_tokens import ProjectAccessToken, RotationConfigurationArgs

    token = ProjectAccessToken(
        "ci-token",
        rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
        opts=pulumi.ResourceOptions(retain_on_delete=config.get_bool("retain") or False),
        **shape,
    )

ProjectVariable("ci-token-variable", project=project, key="CI_TOKEN", value=token.token, masked=True, protected=True,
                opts=pulumi.ResourceOptions(ignore_changes=["value"]) if config.get_bool("keepVariableValue") else None)
pulumi.export("token", token.token)
pulumi.export("token_id", token.token_id)

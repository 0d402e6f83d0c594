"""Two project variables (one key, two environment scopes), a group variable, and a token handed on.

The token is minted in the same run and written, masked, into a third project
variable (``MINTED_TOKEN``): its value is unknown at preview, so it is checked by GitLab.

Config: project, group (required); value (required; read as a plain string, so
the resources must make it a secret themselves); protected and hidden (booleans,
default false); mintedGracePeriodDays (optional: the minted token rotates with
overlap, and a group variable is fed from it too, so two variables deliver it).
"""

import pulumi

from pulumi_gitlab_tokens import GroupVariable, ProjectAccessToken, ProjectVariable, RotationConfigurationArgs

config = pulumi.Config()
value = config.require("value")
shared = {
    "key": "DEPLOY_TOKEN",
    "value": value,
    "masked": True,
    "protected": config.get_bool("protected") or False,
    "hidden": config.get_bool("hidden") or False,
}

everywhere = ProjectVariable("project-variable", project=config.require("project"), **shared)
ProjectVariable("project-variable-staging", project=config.require("project"), environment_scope="staging",
                description="the same key in another scope", **shared)
group_variable = GroupVariable("group-variable", group=config.require("group"), **shared)

pulumi.export("project_value", everywhere.value)
pulumi.export("group_protected", group_variable.protected)

grace = config.get_int("mintedGracePeriodDays")
minted = ProjectAccessToken("minted", project=config.require("project"), scopes=["read_api"],
                            rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7,
                                                                             grace_period_days=grace))
ProjectVariable("minted-token", project=config.require("project"), key="MINTED_TOKEN", value=minted.token,
                masked=True, protected=True)
if grace:
    GroupVariable("minted-token-group", group=config.require("group"), key="MINTED_TOKEN", value=minted.token,
                  masked=True)
pulumi.export("minted_token", minted.token)

"""One token of every kind, all under a rotation window, so one walk of the CLI exercises each kind.

Project and group access tokens; project and group deploy tokens; personal access
tokens for a user and for an instance service account, and an impersonation token
for the user; a group's and a project's service account, each with a token whose
``user_id`` is the account's output; the tokens GitLab keeps no expiry for, a
pipeline trigger, a cluster agent's token and a project runner; and CI/CD variables:
one key in two environment scopes of the project and in the group, and the project
access token's value handed on in a third project variable.

Config: project, group, userId, accountId, agentId, value (required); description (default
"deploy hook") for the trigger, the agent token and the runner; value (read as a plain
string, so the variables must make it a secret themselves), protected and hidden (booleans,
default false) for the variables; scopes (comma-separated,
default read_api) for the access tokens and the service account's token;
personalScopes (default read_api) for the personal and impersonation tokens; expirationDays /
rotateBeforeDays (default 30 / 7).
"""

import pulumi

from pulumi_gitlab_tokens import (ClusterAgentToken, GroupAccessToken, GroupDeployToken, GroupServiceAccount,
                                  GroupServiceAccountAccessToken, GroupVariable, PersonalAccessToken, PipelineTrigger,
                                  ProjectAccessToken, ProjectDeployToken, ProjectRunner, ProjectServiceAccount,
                                  ProjectServiceAccountAccessToken, ProjectVariable, RotationConfigurationArgs,
                                  UserImpersonationToken)

config = pulumi.Config()
project, group = config.require("project"), config.require("group")
scopes = (config.get("scopes") or "read_api").split(",")
rotation = RotationConfigurationArgs(
    expiration_days=config.get_int("expirationDays") or 30,
    rotate_before_days=config.get_int("rotateBeforeDays") or 7,
)


def export(prefix: str, resource: pulumi.CustomResource, *names: str) -> None:
    for name in names:
        pulumi.export(f"{prefix}_{name}", getattr(resource, name))


# Access tokens: rotated in place in the window.
project_token = ProjectAccessToken("project-token", project=project, scopes=scopes, access_level="developer",
                                   rotation_configuration=rotation, description="engine test")
export("project", project_token, "token", "token_id", "user_id")
export("group", GroupAccessToken("group-token", group=group, scopes=scopes, access_level="reporter",
                                 rotation_configuration=rotation, description="engine test"),
       "token", "token_id", "user_id")

# Deploy tokens: GitLab cannot rotate them, so the window replaces them.
export("deploy_project", ProjectDeployToken("project-deploy-token", project=project,
                                            scopes=["read_registry", "read_repository"],
                                            rotation_configuration=rotation),
       "token", "token_id", "username")
export("deploy_group", GroupDeployToken("group-deploy-token", group=group, name="group pull", username="group-puller",
                                        scopes=["read_package_registry"], rotation_configuration=rotation),
       "token", "token_id", "username")

# Personal access tokens and an impersonation token, made with the administrator's credential.
personal_scopes = (config.get("personalScopes") or "read_api").split(",")
for label, key in (("user", "userId"), ("account", "accountId")):
    export(label, PersonalAccessToken(f"{label}-token", user_id=config.require_int(key), scopes=personal_scopes,
                                      rotation_configuration=rotation, description="engine test"),
           "token", "token_id", "user_id")
export("impersonation", UserImpersonationToken("impersonation-token", user_id=config.require_int("userId"),
                                               scopes=personal_scopes, rotation_configuration=rotation,
                                               description="engine test"),
       "token", "token_id")

# A group service account and its token.
robot = GroupServiceAccount("ci-robot", group=group, name="CI robot")
export("sa", GroupServiceAccountAccessToken("ci-token", group=group, user_id=robot.service_account_id, scopes=scopes,
                                            rotation_configuration=rotation, description="engine test"),
       "token", "token_id", "user_id")
pulumi.export("account_id", robot.service_account_id)

# A project service account and its token.
deployer = ProjectServiceAccount("deploy-robot", project=project, name="Deploy robot")
export("project_sa", ProjectServiceAccountAccessToken("deploy-token", project=project,
                                                      user_id=deployer.service_account_id, scopes=scopes,
                                                      rotation_configuration=rotation, description="engine test"),
       "token", "token_id", "user_id")
pulumi.export("project_account_id", deployer.service_account_id)

# Tokens without an expiry: a trigger (its description edited in place), an agent's token and a
# runner (any change replaces them).
description = config.get("description") or "deploy hook"
export("trigger", PipelineTrigger("deploy-hook", project=project, description=description), "token", "token_id")
export("agent", ClusterAgentToken("agent-token", project=project, agent_id=config.require_int("agentId"),
                                  name="deployer", description=description), "token", "token_id")
runner = ProjectRunner("runner", project=project, description=description, tag_list=["deploy"])
pulumi.export("runner_token", runner.token)
pulumi.export("runner_id", runner.token_id)

# CI/CD variables: one key in two scopes of the project and in the group, and the project
# token's value handed on, masked, in a third project variable (unknown at preview).
shared = {"key": "DEPLOY_TOKEN", "value": config.require("value"), "masked": True,
          "protected": config.get_bool("protected") or False, "hidden": config.get_bool("hidden") or False}
everywhere = ProjectVariable("project-variable", project=project, **shared)
ProjectVariable("project-variable-staging", project=project, environment_scope="staging",
                description="the same key in another scope", **shared)
group_variable = GroupVariable("group-variable", group=group, **shared)
ProjectVariable("minted-token", project=project, key="MINTED_TOKEN", value=project_token.token, masked=True,
                protected=True)
pulumi.export("project_value", everywhere.value)
pulumi.export("group_protected", group_variable.protected)

"""The project's active tokens, listed twice: the native provider's invoke and the dynamic face's function.

Config: project.
"""

import pulumi

from pulumi_gitlab_tokens import list_project_access_tokens

project = pulumi.Config().require("project")

invoked = pulumi.runtime.invoke("gitlab-tokens:index:getProjectAccessTokens", {"project": project, "state": "active"})
pulumi.export("invoked", invoked.value["tokens"])
pulumi.export("listed", [record.to_dict() for record in list_project_access_tokens(project, state="active")])

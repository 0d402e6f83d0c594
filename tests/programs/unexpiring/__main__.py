"""A project's tokens GitLab keeps no expiry for: a pipeline trigger, a token of a cluster agent and a runner.

Config: project, agentId (required); description (default "deploy hook") for both.
"""

import pulumi

from pulumi_gitlab_tokens import ClusterAgentToken, PipelineTrigger, ProjectRunner

config = pulumi.Config()
project = config.require("project")
description = config.get("description") or "deploy hook"

trigger = PipelineTrigger("deploy-hook", project=project, description=description)
pulumi.export("trigger_token", trigger.token)
pulumi.export("trigger_token_id", trigger.token_id)

agent_token = ClusterAgentToken("agent-token", project=project, agent_id=config.require_int("agentId"),
                                name="deployer", description=description)
pulumi.export("agent_token", agent_token.token)
pulumi.export("agent_token_id", agent_token.token_id)

runner = ProjectRunner("runner", project=project, description=description, tag_list=["deploy"])
pulumi.export("runner_token", runner.token)
pulumi.export("runner_id", runner.token_id)

"""``ClusterAgentToken``: a token of a project's agent for Kubernetes (``/projects/:id/cluster_agents/:agent_id/tokens``).

Routes (``lib/api/clusters/agent_tokens.rb``): list and get (active tokens only: a revoked one
is ``404 Not found``), create and revoke (``DELETE``, the token stays as ``revoked``). A
Developer reads them (``read_cluster_agent``); creating (``authorize! :create_cluster``) and
revoking (``:admin_cluster``) need a Maintainer (``app/policies/project_policy.rb``), a bare
``403`` otherwise. ``Clusters::AgentTokens::CreateService`` allows two active tokens per agent
(``ACTIVE_TOKENS_LIMIT``). A token has a name and a description, no scopes, no expiry
(``Clusters::AgentToken`` keeps none) and no rotate or update route: a change replaces it,
and ``pulumi up --replace`` renews it. python-gitlab has no manager for these routes: ours is
declared as python-gitlab declares its own (``client/managers.py``).
"""

from __future__ import annotations

from typing import Any

from ..common import catalogue
from ..rules import comparisons, ownership
from ..rules import inputs as parsers
from . import parts, resource_tokens
from .base import KEEP, InputField, OnChange, OutputField, PulumiGitlabType, Routes, TokenKind

_TOKENS = "/projects/{parent}/cluster_agents/{agent_id}/tokens"


def parse_agent_id(_kind: TokenKind, value: Any) -> int:
    """The agent's id: a positive whole number (pulumi-gitlab's ``ClusterAgent.agent_id``)."""
    number = parsers.integral(value)
    if number is None or isinstance(value, bool) or number <= 0:
        raise ValueError(f"agent_id must be the agent's numeric id (a positive whole number), not {value!r}; "
                         f"pass a ClusterAgent's agent_id, or the id GitLab lists at GET /projects/:id/cluster_agents")
    return number


_SHARED = {field.name: field for field in resource_tokens.INPUTS}

KIND = TokenKind(
    resource_name="ClusterAgentToken",
    type_token=catalogue.CLUSTER_AGENT_TOKEN_TYPE,
    routes=Routes(create=_TOKENS, get=_TOKENS + "/{id}", list=_TOKENS, revoke=_TOKENS + "/{id}"),
    manager="ProjectClusterAgentTokenManager",
    inputs=(
        resource_tokens.parent_input("project"),
        InputField("agent_id", parse_agent_id, OnChange.REPLACE, comparisons.as_plain),
        _SHARED["name"],
        _SHARED["description"],
    ),
    outputs=(
        OutputField("token", lambda answer, _: KEEP, secret=True),
        OutputField("token_id", lambda answer, _: int(answer["id"])),
        OutputField("status", lambda answer, _: answer.get("status")),
        OutputField("created_at", lambda answer, _: answer.get("created_at")),
        OutputField("created_by_user_id", lambda answer, _: parsers.integral(answer.get("created_by_user_id"))),
        OutputField("last_used_at", lambda answer, _: answer.get("last_used_at")),
        OutputField("name", lambda answer, echoed: answer.get("name", echoed.get("name")), computed=False),
        OutputField("description", lambda answer, _: ownership.user_description(answer.get("description")),
                    computed=False),
    ),
    route_inputs=("agent_id",),
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    holder=parts.NoUser("agent", listed_under=("agent_id", "agent")),
    reading=parts.ById(),
    absence=parts.Absence(missing_token="404 Not found"),
    lifetime=parts.NoExpiry(),
    renewal=parts.Replacement(overlaps=False),
    list_filters=frozenset(),  # GitLab's agent-token list takes pagination only
    id_table="cluster_agent_tokens",
    label="cluster agent token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_CLUSTER_AGENT_TOKEN_TYPE),),
)

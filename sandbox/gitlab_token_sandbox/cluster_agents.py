"""``/projects/:id/cluster_agents`` and their tokens: register, list, get, delete; create, list, get, revoke.

GitLab's sources (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq):

- routes: ``lib/api/clusters/agents.rb`` (list: ``not_found!('ClusterAgents')`` without ``read_cluster_agent``;
  create: ``authorize! :create_cluster``; delete: ``authorize! :admin_cluster``) and
  ``lib/api/clusters/agent_tokens.rb`` (list and get: active tokens only; create: ``authorize! :create_cluster``;
  revoke: ``authorize! :admin_cluster``, any status). Service errors answer ``bad_request!(result[:message])``;
  a model's errors are an Array there, so GitLab renders its ``inspect``: ``400 Bad request - ["Name ..."]``.
- who: ``app/policies/project_policy.rb``: ``read_cluster_agent`` from Developer, ``create_cluster``,
  ``admin_cluster`` and ``admin_pipeline`` from Maintainer (administrators: everything).
- finders: ``app/finders/clusters/agents_finder.rb`` (nothing without ``read_cluster_agent``, ordered by name)
  and ``agent_tokens_finder.rb``; their ``find`` raises ``RecordNotFound``: ``404 Not found``.
- services: ``app/services/clusters/agents/create_service.rb``, ``agent_tokens/create_service.rb``
  (``ACTIVE_TOKENS_LIMIT = 2``) and ``agent_tokens/revoke_service.rb`` (``status: revoked``; a revoked token
  may be revoked again).
- models: ``app/models/clusters/agent.rb`` (name: present, at most 63, unique in the project, DNS label) and
  ``agent_token.rb`` (``glagent-`` routable token naming the organization and project; name present, at most
  255; description at most 1024; ``status`` active or revoked). An agent token has no expiry and GitLab has
  no rotate route for it: a new token and a revoke are its rotation.
- entities: ``lib/api/entities/clusters/agent.rb`` (``ProjectIdentity`` as ``config_project``; EE adds
  ``is_receptive``), ``agent_token_basic.rb``, ``agent_token.rb`` (``last_used_at``), ``agent_token_with_token.rb``.

Agent tokens authenticate to GitLab's agent server (KAS), not to ``/api/v4``: there they are unknown tokens (401).
"""

from __future__ import annotations

import json
import re
import sqlite3

from . import entities, errors, permissions
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import Resource
from .rules import DEVELOPER, MAINTAINER
from .tokens import digest, routable_value
from .web import Response

#: ``Clusters::AgentToken::TOKEN_PREFIX`` (the instance prefix setting is empty by default).
AGENT_TOKEN_PREFIX = "glagent-"
#: ``Clusters::AgentTokens::CreateService::ACTIVE_TOKENS_LIMIT``.
ACTIVE_TOKENS_LIMIT = 2
#: ``Gitlab::Regex.cluster_agent_name_regex`` and its message.
AGENT_NAME = re.compile(r"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
AGENT_NAME_MESSAGE = "can contain only lowercase letters, digits, and '-', but cannot start or end with '-'"
AGENT_NAME_MAX_LENGTH = 63
TOKEN_NAME_MAX_LENGTH = 255
TOKEN_DESCRIPTION_MAX_LENGTH = 1024
#: ``read_cluster_agent`` (Developer) and ``create_cluster`` / ``admin_cluster`` (Maintainer) on the project.
READ_LEVEL, ADMIN_LEVEL = DEVELOPER, MAINTAINER


def _model_errors(messages: list[str]) -> errors.ApiError:
    """``bad_request!(record.errors.full_messages)``: Ruby interpolates the Array's ``inspect``."""
    return errors.bad_request("[" + ", ".join(json.dumps(m, ensure_ascii=False) for m in messages) + "]")


# --- entities ------------------------------------------------------------------------

def agent_entity(ctx: Context, call: Call, row: sqlite3.Row) -> dict:
    """``API::Entities::Clusters::Agent`` with EE's ``is_receptive`` (false: the sandbox has no receptive agents)."""
    project = ctx.store.project(row["project_id"])
    full = entities.project(ctx.store, project, ctx.external_url(call.request))
    identity = {key: full[key] for key in ("id", "description", "name", "name_with_namespace", "path",
                                           "path_with_namespace", "created_at")}
    return {"id": row["id"], "name": row["name"], "config_project": identity, "created_at": row["created_at"],
            "created_by_user_id": row["created_by_user_id"], "is_receptive": False}


def token_entity(row: sqlite3.Row) -> dict:
    """``API::Entities::Clusters::AgentToken``: ``AgentTokenBasic`` and ``last_used_at``."""
    return {"id": row["id"], "name": row["name"], "description": row["description"], "agent_id": row["agent_id"],
            "status": row["status"], "created_at": row["created_at"],
            "created_by_user_id": row["created_by_user_id"], "last_used_at": row["last_used_at"]}


# --- lookups ----------------------------------------------------------------------------

def _level(ctx: Context, call: Call, project: Resource) -> int:
    return permissions.access_level(ctx.store, call.user, project)


def _project(ctx: Context, call: Call) -> Resource:
    """``user_project``: ``404 Project Not Found`` when missing or invisible."""
    return permissions.find_resource(ctx.store, call.user, "project", call.path_params["id"])


def _authorize(ctx: Context, call: Call, project: Resource) -> None:
    """``authorize! :create_cluster`` / ``:admin_cluster``: both Maintainer."""
    if _level(ctx, call, project) < ADMIN_LEVEL:
        raise errors.forbidden()


def _params(call: Call, *path_ids: str) -> Params:
    """Grape's parameters, the path's ``requires :agent_id`` / ``:token_id, type: Integer`` first."""
    p = Params(call.request.params)
    p.errors += [f"{name} is invalid" for name in path_ids if numeric_id(call.path_params[name]) is None]
    return p


def _agent(ctx: Context, call: Call, project: Resource) -> sqlite3.Row:
    """``AgentsFinder.new(user_project, current_user).find(agent_id)``: none without ``read_cluster_agent``."""
    rows = ctx.store.rows("SELECT * FROM cluster_agents WHERE id = ? AND project_id = ?",
                          (int(call.path_params["agent_id"]), project.id))
    if not rows or _level(ctx, call, project) < READ_LEVEL:
        raise errors.record_not_found()
    return rows[0]


def _agent_token(ctx: Context, call: Call, agent: sqlite3.Row, *, active_only: bool) -> sqlite3.Row:
    """``AgentTokensFinder.new(agent, current_user[, status: :active]).find(token_id)``."""
    rows = ctx.store.rows("SELECT * FROM cluster_agent_tokens WHERE id = ? AND agent_id = ?",
                          (int(call.path_params["token_id"]), agent["id"]))
    if not rows or (active_only and rows[0]["status"] != "active"):
        raise errors.record_not_found()
    return rows[0]


def _active_tokens(ctx: Context, agent_id: int) -> list[sqlite3.Row]:
    # has_many :agent_tokens, -> { order_last_used_at_desc }: no token is used here, so by id.
    return ctx.store.rows("""SELECT * FROM cluster_agent_tokens WHERE agent_id = ? AND status = 'active'
                             ORDER BY last_used_at IS NULL, last_used_at DESC, id""", (agent_id,))


# --- agents -----------------------------------------------------------------------------

def list_agents(ctx: Context, call: Call) -> Response:
    """``GET /projects/:id/cluster_agents``: ordered by name, paginated."""
    project = _project(ctx, call)
    if _level(ctx, call, project) < READ_LEVEL:
        raise errors.not_found("ClusterAgents")
    rows = ctx.store.rows("SELECT * FROM cluster_agents WHERE project_id = ? ORDER BY name, id", (project.id,))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [agent_entity(ctx, call, row) for row in page], headers)


def get_agent(ctx: Context, call: Call) -> Response:
    """``GET /projects/:id/cluster_agents/:agent_id``."""
    _params(call, "agent_id").check()
    project = _project(ctx, call)
    return Response.json(200, agent_entity(ctx, call, _agent(ctx, call, project)))


def _agent_name_problems(ctx: Context, project: Resource, name: str) -> list[str]:
    """``Clusters::Agent``'s ``validates :name``: presence, length, uniqueness in the project, format."""
    problems = ["Name can't be blank"] if not name.strip() else []
    if len(name) > AGENT_NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {AGENT_NAME_MAX_LENGTH} characters)")
    if ctx.store.rows("SELECT id FROM cluster_agents WHERE project_id = ? AND name = ?", (project.id, name)):
        problems.append("Name has already been taken")
    if not AGENT_NAME.match(name):
        problems.append(f"Name {AGENT_NAME_MESSAGE}")
    return problems


def create_agent(ctx: Context, call: Call) -> Response:
    """``POST /projects/:id/cluster_agents``: 201 with the agent (no secret: tokens are made apart)."""
    p = _params(call)
    name = p.string("name", required=True)
    p.check()
    project = _project(ctx, call)
    _authorize(ctx, call, project)
    problems = _agent_name_problems(ctx, project, name or "")
    if problems:
        raise _model_errors(problems)
    agent_id = ctx.store.insert_row("cluster_agents", {"project_id": project.id, "name": name,
                                                       "created_by_user_id": call.user["id"],
                                                       "created_at": ctx.now_text()})
    row = ctx.store.rows("SELECT * FROM cluster_agents WHERE id = ?", (agent_id,))[0]
    return Response.json(201, agent_entity(ctx, call, row))


def delete_agent(ctx: Context, call: Call) -> Response:
    """``DELETE /projects/:id/cluster_agents/:agent_id``: 204; ``Clusters::Agents::DeleteService`` takes its tokens."""
    _params(call, "agent_id").check()
    project = _project(ctx, call)
    _authorize(ctx, call, project)
    agent = _agent(ctx, call, project)
    ctx.store.run("DELETE FROM cluster_agent_tokens WHERE agent_id = ?", (agent["id"],))
    ctx.store.run("DELETE FROM cluster_agents WHERE id = ?", (agent["id"],))
    return Response.no_content()


# --- agent tokens -------------------------------------------------------------------------

def list_tokens(ctx: Context, call: Call) -> Response:
    """``GET .../cluster_agents/:agent_id/tokens``: the active tokens (``AgentTokenBasic``), paginated."""
    _params(call, "agent_id").check()
    project = _project(ctx, call)
    agent = _agent(ctx, call, project)
    page, headers = paginate(_active_tokens(ctx, agent["id"]), call.request, ctx.external_url(call.request))
    basic = [{key: value for key, value in token_entity(row).items() if key != "last_used_at"} for row in page]
    return Response.json(200, basic, headers)


def get_token(ctx: Context, call: Call) -> Response:
    """``GET .../tokens/:token_id``: an active token (a revoked one is ``404 Not found``)."""
    _params(call, "agent_id", "token_id").check()
    project = _project(ctx, call)
    agent = _agent(ctx, call, project)
    return Response.json(200, token_entity(_agent_token(ctx, call, agent, active_only=True)))


def create_token(ctx: Context, call: Call) -> Response:
    """``POST .../tokens``: 201 with the ``glagent-`` value, at most two active tokens per agent."""
    p = _params(call, "agent_id")
    name = p.string("name", required=True) or ""
    description = p.string("description")
    p.check()
    project = _project(ctx, call)
    _authorize(ctx, call, project)
    agent = _agent(ctx, call, project)
    if len(_active_tokens(ctx, agent["id"])) >= ACTIVE_TOKENS_LIMIT:
        raise errors.bad_request("An agent can have only two active tokens at a time")
    problems = []
    if description is not None and len(description) > TOKEN_DESCRIPTION_MAX_LENGTH:
        problems.append(f"Description is too long (maximum is {TOKEN_DESCRIPTION_MAX_LENGTH} characters)")
    if not name.strip():
        problems.append("Name can't be blank")
    elif len(name) > TOKEN_NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {TOKEN_NAME_MAX_LENGTH} characters)")
    if problems:
        raise _model_errors(problems)
    secret = routable_value(AGENT_TOKEN_PREFIX, {"o": 1, "p": project.id})
    token_id = ctx.store.insert_row("cluster_agent_tokens", {
        "agent_id": agent["id"], "name": name, "description": description, "digest": digest(secret),
        "created_by_user_id": call.user["id"], "created_at": ctx.now_text()})
    row = ctx.store.rows("SELECT * FROM cluster_agent_tokens WHERE id = ?", (token_id,))[0]
    return Response.json(201, entities.with_token(token_entity(row), secret))


def revoke_token(ctx: Context, call: Call) -> Response:
    """``DELETE .../tokens/:token_id``: 204, the token's status becomes ``revoked`` (it stays, unlisted)."""
    _params(call, "agent_id", "token_id").check()
    project = _project(ctx, call)
    _authorize(ctx, call, project)
    agent = _agent(ctx, call, project)
    token = _agent_token(ctx, call, agent, active_only=False)
    ctx.store.run("UPDATE cluster_agent_tokens SET status = 'revoked' WHERE id = ?", (token["id"],))
    return Response.no_content()

"""The route table: every ``/api/v4`` endpoint the sandbox serves (moto's ``urls.py``).

A route's ``template`` doubles as its counter key (``"POST /api/v4/projects/:id/access_tokens"``).
Literal segments win over ``:params`` because routes are tried in order and
the ``self`` routes come first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

from . import api_resources as res
from . import cluster_agents as agents
from . import deploy_tokens as dt
from . import impersonation_tokens as imp
from . import personal_tokens as pat
from . import responses as tok
from . import runners as run
from . import service_accounts as sa
from . import trigger_responses as trig
from . import variable_responses as var
from .auth import ScopeRule, any_scope, api_scopes, rotate_scopes, user_scopes
from .context import Call, Context
from .web import Response

Handler = Callable[[Context, Call], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    scopes: ScopeRule = api_scopes
    #: What ``drop_after_commit`` faults can target (``faults.DROPPABLE_OPERATIONS``).
    operation: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @functools.cached_property
    def parts(self) -> tuple[str, ...]:
        """The template's path segments (``:name`` for a parameter)."""
        return tuple(self.template.strip("/").split("/"))

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        if method != self.method:
            return None
        parts = self.parts
        if len(parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(parts, segments):
            if part.startswith(":"):
                if not segment:
                    return None
                params[part[1:]] = unquote(segment)
            elif part != segment:
                return None
        return params


def _for_both(method: str, suffix: str, handler: Callable[..., Response], **extra) -> list[Route]:
    """The same endpoint for projects and groups (GitLab builds both from one class)."""
    return [Route(method, f"/api/v4/{kind}s/:id{suffix}", functools.partial(handler, kind), **extra)
            for kind in ("project", "group")]


ROUTES: list[Route] = [
    Route("GET", "/api/v4/version", res.version),
    Route("GET", "/api/v4/user", res.current_user, user_scopes),
    Route("GET", "/api/v4/personal_access_tokens/self", tok.get_self, any_scope),
    Route("DELETE", "/api/v4/personal_access_tokens/self", tok.revoke_self, any_scope),
    Route("POST", "/api/v4/personal_access_tokens/self/rotate", tok.rotate_self, rotate_scopes, "rotate"),
    Route("POST", "/api/v4/users", res.create_user),
    Route("GET", "/api/v4/users/:id", res.get_user, user_scopes),
    Route("POST", "/api/v4/users/:user_id/personal_access_tokens", res.create_personal_access_token,
          operation="create"),
    Route("GET", "/api/v4/users/:user_id/impersonation_tokens", imp.list_tokens),
    Route("POST", "/api/v4/users/:user_id/impersonation_tokens", imp.create_token, operation="create"),
    Route("GET", "/api/v4/users/:user_id/impersonation_tokens/:impersonation_token_id", imp.get_token),
    Route("DELETE", "/api/v4/users/:user_id/impersonation_tokens/:impersonation_token_id", imp.revoke_token),
    Route("POST", "/api/v4/groups", res.create_group),
    Route("GET", "/api/v4/groups/:id", res.get_group),
    Route("POST", "/api/v4/projects", res.create_project),
    Route("GET", "/api/v4/projects/:id", res.get_project),
    *_for_both("GET", "/members", res.list_members),
    *_for_both("GET", "/members/all/:user_id", res.get_member_all),
    *_for_both("POST", "/members", res.add_member),
    *_for_both("POST", "/access_tokens/self/rotate", tok.self_rotate_token, scopes=rotate_scopes,
               operation="rotate"),
    *_for_both("GET", "/access_tokens", tok.list_tokens),
    *_for_both("POST", "/access_tokens", tok.create_token, operation="create"),
    *_for_both("GET", "/access_tokens/:token_id", tok.get_token),
    *_for_both("DELETE", "/access_tokens/:token_id", tok.revoke_token),
    *_for_both("POST", "/access_tokens/:token_id/rotate", tok.rotate_token, operation="rotate"),
    # Service accounts, personal access tokens by id, deploy tokens (their own modules).
    Route("POST", "/api/v4/service_accounts", sa.create_instance_service_account),
    Route("GET", "/api/v4/service_accounts", sa.list_instance_service_accounts),
    *_for_both("POST", "/service_accounts", sa.create_service_account, operation="create_service_account"),
    *_for_both("GET", "/service_accounts", sa.list_service_accounts),
    *_for_both("DELETE", "/service_accounts/:user_id", sa.delete_service_account),
    *_for_both("PATCH", "/service_accounts/:user_id", sa.update_service_account),
    *_for_both("GET", "/service_accounts/:user_id/personal_access_tokens", sa.list_account_tokens),
    *_for_both("POST", "/service_accounts/:user_id/personal_access_tokens", sa.create_account_token_route,
               operation="create"),
    *_for_both("POST", "/service_accounts/:user_id/personal_access_tokens/:token_id/rotate",
               sa.rotate_account_token, operation="rotate"),
    *_for_both("DELETE", "/service_accounts/:user_id/personal_access_tokens/:token_id", sa.revoke_account_token),
    Route("GET", "/api/v4/personal_access_tokens", pat.list_tokens),
    Route("GET", "/api/v4/personal_access_tokens/:id", pat.get_token),
    Route("POST", "/api/v4/personal_access_tokens/:id/rotate", pat.rotate_token, operation="rotate"),
    Route("DELETE", "/api/v4/personal_access_tokens/:id", pat.revoke_token),
    Route("GET", "/api/v4/deploy_tokens", dt.list_all_tokens),
    *_for_both("GET", "/deploy_tokens", dt.list_tokens),
    *_for_both("POST", "/deploy_tokens", dt.create_token, operation="create"),
    *_for_both("GET", "/deploy_tokens/:token_id", dt.get_token),
    *_for_both("DELETE", "/deploy_tokens/:token_id", dt.delete_token),
    Route("GET", "/api/v4/projects/:id/cluster_agents", agents.list_agents),
    Route("POST", "/api/v4/projects/:id/cluster_agents", agents.create_agent),
    Route("GET", "/api/v4/projects/:id/cluster_agents/:agent_id", agents.get_agent),
    Route("DELETE", "/api/v4/projects/:id/cluster_agents/:agent_id", agents.delete_agent),
    Route("GET", "/api/v4/projects/:id/cluster_agents/:agent_id/tokens", agents.list_tokens),
    Route("POST", "/api/v4/projects/:id/cluster_agents/:agent_id/tokens", agents.create_token, operation="create"),
    Route("GET", "/api/v4/projects/:id/cluster_agents/:agent_id/tokens/:token_id", agents.get_token),
    Route("DELETE", "/api/v4/projects/:id/cluster_agents/:agent_id/tokens/:token_id", agents.revoke_token),
    Route("POST", "/api/v4/user/runners", run.create_runner, run.create_scopes, "create"),
    Route("GET", "/api/v4/projects/:id/runners", run.list_project_runners),
    Route("GET", "/api/v4/groups/:id/runners", run.list_group_runners),
    Route("GET", "/api/v4/runners/:id", run.get_runner, run.manage_scopes),
    Route("DELETE", "/api/v4/runners/:id", run.delete_runner, run.manage_scopes),
    Route("POST", "/api/v4/runners/:id/reset_authentication_token", run.reset_authentication_token,
          run.manage_scopes, "rotate"),
    *_for_both("GET", "/variables", var.list_variables),
    *_for_both("POST", "/variables", var.create_variable, operation="create_variable"),
    *_for_both("GET", "/variables/:key", var.get_variable),
    *_for_both("PUT", "/variables/:key", var.update_variable),
    *_for_both("DELETE", "/variables/:key", var.delete_variable),
    Route("GET", "/api/v4/projects/:id/triggers", trig.list_triggers),
    Route("POST", "/api/v4/projects/:id/triggers", trig.create_trigger, operation="create"),
    Route("GET", "/api/v4/projects/:id/triggers/:trigger_id", trig.get_trigger),
    Route("PUT", "/api/v4/projects/:id/triggers/:trigger_id", trig.update_trigger),
    Route("DELETE", "/api/v4/projects/:id/triggers/:trigger_id", trig.delete_trigger),
]


#: Which path segment, after ``api/v4``, names the collection (``projects``, ``users``...): literal in every route.
_COLLECTION = 2


def _index(routes: list[Route]) -> dict[tuple[str, int, str], list[Route]]:
    """The routes by method, segment count and collection, each list in table order.

    A route only matches a path of its own method and segment count whose
    collection segment equals its own, so trying just those, in the table's
    order, finds the same route as trying them all: a lookup tries one to four
    routes instead of up to every one, on every API request.
    """
    index: dict[tuple[str, int, str], list[Route]] = {}
    for route in routes:
        collection = route.parts[_COLLECTION]
        if collection.startswith(":"):
            raise ValueError(f"{route.key}: the index needs a literal segment {_COLLECTION}")
        index.setdefault((route.method, len(route.parts), collection), []).append(route)
    return index


_ROUTE_INDEX = _index(ROUTES)


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``method`` and raw ``path`` (HEAD is served by GET routes)."""
    segments = path.strip("/").split("/")
    lookup = "GET" if method == "HEAD" else method
    collection = segments[_COLLECTION] if len(segments) > _COLLECTION else ""
    for route in _ROUTE_INDEX.get((lookup, len(segments), collection), ()):
        params = route.match(lookup, segments)
        if params is not None:
            return route, params
    return None

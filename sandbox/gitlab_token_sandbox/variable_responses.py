"""The HTTP side of project and group CI/CD variables (``/projects/:id/variables``, ``/groups/:id/variables``).

The order of checks is GitLab's: the parent is looked up (404), then the
``before { authorize! :admin_cicd_variables }`` callback runs (403) - Grape runs
``before`` callbacks ahead of parameter validation (400 ``error``) - then the
variable is found (404, or 409 when several scopes match), then the model
validates (400 ``message`` by attribute). The rules live in :mod:`.variables`.

One difference between the two APIs is kept: a group ``PUT`` without
``filter`` updates the first variable with the key (GitLab kept that for
compatibility), where a project ``PUT`` answers 409 when the key is ambiguous.
"""

from __future__ import annotations

from typing import Any

from . import permissions
from . import variables as model
from .context import Call, Context
from .pagination import paginate
from .params import Params
from .web import Response


def _parent(kind: str, ctx: Context, call: Call) -> permissions.Resource:
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    model.authorize(ctx.store, call.user, resource)
    return resource


def _filter_scope(params: dict[str, Any]) -> str | None:
    """``filter[environment_scope]``, from a query string or a JSON body."""
    nested = params.get("filter")
    if isinstance(nested, dict) and nested.get("environment_scope") is not None:
        return str(nested["environment_scope"])
    flat = params.get("filter[environment_scope]")
    return None if flat is None else str(flat)


def _has_filter(params: dict[str, Any]) -> bool:
    return "filter" in params or any(name.startswith("filter[") for name in params)


def _fields(p: Params, *, creating: bool) -> model.VariableFields:
    """The declared attributes, coerced as Grape does (``masked_and_hidden`` only on create)."""
    fields = model.VariableFields(
        value=p.string("value", required=creating),
        protected=p.boolean("protected"),
        masked=p.boolean("masked"),
        raw=p.boolean("raw"),
        variable_type=p.string("variable_type", values=model.VARIABLE_TYPES),
        environment_scope=p.string("environment_scope"),
        description=p.string("description"),
    )
    if creating and p.boolean("masked_and_hidden"):
        fields.hidden = True
        fields.masked = True
    return fields


def list_variables(kind: str, ctx: Context, call: Call) -> Response:
    resource = _parent(kind, ctx, call)
    rows = model.list_variables(ctx.store, resource)
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [model.entity(row) for row in page], headers)


def get_variable(kind: str, ctx: Context, call: Call) -> Response:
    resource = _parent(kind, ctx, call)
    row = model.find_variable(ctx.store, resource, call.path_params["key"], _filter_scope(call.request.params))
    return Response.json(200, model.entity(row))


def create_variable(kind: str, ctx: Context, call: Call) -> Response:
    resource = _parent(kind, ctx, call)
    p = Params(call.request.params)
    key = p.string("key", required=True)
    fields = _fields(p, creating=True)
    p.check()
    row = model.create_variable(ctx.store, resource, key or "", fields)
    return Response.json(201, model.entity(row))


def update_variable(kind: str, ctx: Context, call: Call) -> Response:
    resource = _parent(kind, ctx, call)
    p = Params(call.request.params)
    fields = _fields(p, creating=False)
    p.check()
    key = call.path_params["key"]
    params = call.request.params
    if kind == "group" and not _has_filter(params):
        found = model.matching(ctx.store, resource, key, None)
        if not found:
            raise model.not_found(resource)
        current = found[0]
    else:
        current = model.find_variable(ctx.store, resource, key, _filter_scope(params))
    row = model.update_variable(ctx.store, resource, current, fields)
    return Response.json(200, model.entity(row))


def delete_variable(kind: str, ctx: Context, call: Call) -> Response:
    resource = _parent(kind, ctx, call)
    row = model.find_variable(ctx.store, resource, call.path_params["key"], _filter_scope(call.request.params))
    model.delete_variable(ctx.store, row)
    return Response.no_content()

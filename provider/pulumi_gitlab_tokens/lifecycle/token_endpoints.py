"""The token endpoints: one class, driven by a kind's routes and python-gitlab manager.

:class:`TokenEndpoints` serves every kind: create, get, list, revoke, rotate and
self-rotate go through the kind's python-gitlab manager (the mixins give the
behaviour, as in ``gitlab/v4/objects``), and every error names the kind's route
(:meth:`TokenEndpoints.route`). Methods return GitLab's JSON as dicts.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TypeVar

from ..client import gitlab_client
from ..client.gitlab_client import NO_LIBRARY_RETRIES
from ..client.gitlab_errors import AnswerLost, answer_may_still_come, is_lost_answer, translate
from ..common.errors import GitLabTokenError, register_secret
from ..kinds.base import path_value
from ..rules.inputs import integral, is_unknown

if TYPE_CHECKING:
    import gitlab

    from ..kinds.base import TokenKind

#: Tokens per page when listing (GitLab's maximum).
LIST_PAGE_SIZE = 100
#: Pages listed at most (10,000 tokens of one name).
MAX_LIST_PAGES = 100
SELF_INFORMATION_PATH = "/personal_access_tokens/self"

T = TypeVar("T")


def every_page(fetch: Callable[[int], Sequence[T]], too_many: Callable[[int], str]) -> list[T]:
    """A listing's pages 1, 2, ... asked for by number until one is not full, at most :data:`MAX_LIST_PAGES`.

    No ``Link`` header is followed, so a server that always names a next page cannot keep the provider
    listing forever: past the last page allowed, ``too_many(most items)`` is the error.
    """
    found: list[T] = []
    for page in range(1, MAX_LIST_PAGES + 1):
        batch = list(fetch(page))
        found.extend(batch)
        if len(batch) < LIST_PAGE_SIZE:
            return found
    raise GitLabTokenError(too_many(MAX_LIST_PAGES * LIST_PAGE_SIZE))

_IDEMPOTENT = NO_LIBRARY_RETRIES
_MINTING = NO_LIBRARY_RETRIES
#: The HTTP verb of each route a kind declares.
ROUTE_VERBS = {"create": "POST", "get": "GET", "list": "GET", "revoke": "DELETE", "rotate": "POST",
               "self_rotate": "POST", "update": "PUT"}

class TokenEndpoints:
    """The token endpoints of one kind for one parent (by id or full path).

    Methods return GitLab's JSON as dicts. ``create`` and ``rotate`` raise
    :class:`AnswerLost` when the answer is lost; everything else raises
    :class:`GitLabTokenError`.
    """

    def __init__(self, kind: TokenKind, parent: str, values: Mapping[str, Any] | None = None) -> None:
        """``values`` hold the kind's :attr:`~.TokenKind.route_inputs` (inputs or stored outputs)."""
        self.kind = kind
        self.parent = parent
        given = values or {}
        # An output of a resource not created yet (at preview) is no path segment.
        self.route_values = {key: "" if is_unknown(given.get(key)) else path_value(given.get(key))
                             for key in kind.route_inputs}

    def _manager(self, client: gitlab.Gitlab | None = None, *, creating: bool = False) -> Any:
        """python-gitlab's access-token manager of the parent, addressed by its id or path: no lookup.

        Built directly rather than as ``gl.projects.get(parent, lazy=True).access_tokens``:
        a lazy ``Project`` constructs its ~80 sub-managers to hand out one, about
        0.35 ms of CPU per API call (measured in ``make bench``, see benchmarks/results.md).
        """
        from ..client.gitlab_objects import ParentRef, python_gitlab_manager

        gl = client or gitlab_client.admin_client()
        manager = python_gitlab_manager((self.kind.create_manager if creating else None) or self.kind.manager)
        route = self.kind.routes.create if creating else self.kind.routes.list
        parent = ParentRef(getattr(gl, self.kind.collection), self._parent_attributes(manager, route), lazy=True)
        return manager(gl, parent=parent)

    def _parent_attributes(self, manager: Any, route: str) -> dict[str, str]:
        """The parent object's attributes ``manager``'s path takes (``_from_parent_attrs``).

        The manager's path and the kind's ``route`` it serves name the same segments in the
        same order (``{project_id}`` and ``{parent}``; ``{group_id}/../{user_id}`` and
        ``{parent}/../{user_id}``), so each value goes to the attribute its segment reads.
        """
        values = {"parent": self.parent, **self.route_values}
        manager_keys = re.findall(r"\{(\w+)\}", manager._path)
        route_keys = re.findall(r"\{(\w+)\}", route)
        from_parent = manager._from_parent_attrs
        return {from_parent[m]: values[r] for m, r in zip(manager_keys, route_keys)} or {"id": self.parent}

    def _token_not_found(self, err: GitLabTokenError, route_name: str) -> bool:
        """Whether ``err`` says the token does not exist: a 404 naming it, or any 404 on a route
        that has no parent in it (``/personal_access_tokens/:id``), where nothing else can be missing."""
        parentless = "{parent}" not in (getattr(self.kind.routes, route_name) or "")
        return (self.kind.absence.says_token_missing(err.status, err.gitlab_message) or err.is_token_not_found()
                or (err.status == 404 and parentless))

    def _list_filters(self) -> dict[str, str]:
        """The query naming the parent, for a kind whose list route is not under it."""
        return self.kind.listing.query(self.parent)

    def route(self, name: str, token_id: int | str | None = None) -> str:
        """``"<verb> <path>"`` of the kind's route ``name`` for this parent, as errors name it."""
        encoded = urllib.parse.quote(self.parent, safe="")
        if name == "get":
            name = self.kind.reading.route
        filters = self._list_filters() if name == "list" else {}
        query = f"?{urllib.parse.urlencode(filters)}" if filters else ""
        return f"{ROUTE_VERBS[name]} {self.kind.route(name, encoded, token_id, self.route_values)}{query}"

    def _call(self, route: str, action: Callable[[], T], *, minting: bool = False) -> T:
        try:
            return action()
        except Exception as err:  # python-gitlab and requests raise many types; all are translated
            if minting and is_lost_answer(err):
                raise AnswerLost(f"{route}: {type(err).__name__}",
                                 in_flight=answer_may_still_come(err)) from None
            raise translate(self.kind, route, err) from None

    def create(self, **fields: Any) -> dict[str, Any]:
        """POST the token ``fields`` describe (the kind's request fields, see ``TokenSpec.request``).

        Fields that are ``None`` or empty are left out, as GitLab's defaults apply then.
        """
        data = self.kind.mark.into_request(
            {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items() if v not in (None, "")})
        route = self.route("create")
        # Built first, as an ordinary call: a manager that reads something before it creates (a runner's
        # parent id) does it here, where a failure is an error and not an answer the POST may have lost.
        manager = self._call(route, lambda: self._manager(creating=True))
        created = self._call(
            route, lambda: self._marked(_minted(manager.create(data, **_MINTING).attributes)), minting=True)
        return _remember(created)

    def _marked(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with the ownership mark under ``description``, whichever field GitLab keeps it in."""
        return self.kind.mark.from_record(record)

    def get(self, token_id: int) -> dict[str, Any] | None:
        """The token's metadata, or ``None`` when GitLab says the token does not exist.

        A 404 about the project or group itself is an error, not an absence:
        GitLab also answers 404 when the credential cannot see the parent, and
        dropping the token from the state then would orphan it.
        """
        try:
            found = self.kind.reading.read(self, token_id)
        except GitLabTokenError as err:
            if self._token_not_found(err, self.kind.reading.route) or self._holder_gone(err):
                return None
            raise
        return None if found is None else _token_record(found)

    def fetch(self, token_id: int) -> dict[str, Any]:
        """The token from GitLab's route for one token (raises :class:`GitLabTokenError` when it is missing)."""
        return self._call(self.route("get", token_id), lambda: self._marked(
            _remember(_token_record(self._manager().get(token_id, **_IDEMPOTENT).attributes))))

    def _holder_gone(self, err: GitLabTokenError) -> bool:
        """GitLab says the holder a route input names (a service account) is gone, and its tokens with it."""
        return self.kind.absence.says_holder_gone(err.status, err.gitlab_message)

    def list_named(self, name: str) -> list[dict[str, Any]]:
        """The tokens of the parent a token named ``name`` could be, revoked ones included: those named
        exactly ``name``, or every one for a kind without names (the kind's ``finding`` part)."""
        return self.kind.finding.candidates(self, name)

    def list_searching(self, name: str) -> list[dict[str, Any]]:
        """The tokens of the parent GitLab's ``search`` finds for ``name`` (pages asked for by number, at most
        :data:`MAX_LIST_PAGES`: no ``Link`` header is followed)."""
        route = self.route("list")
        listed = self._call(route, lambda: every_page(
            lambda page: self._manager().list(search=name, page=page, per_page=LIST_PAGE_SIZE, get_all=False,
                                              **self._list_filters(), **_IDEMPOTENT),
            lambda most: f"GitLab listed more than {most} tokens on {route} for the name {name!r}; revoke old "
                         f"ones in GitLab, or give this token a new name"))
        return [self._marked(_remember(_token_record(t.attributes))) for t in listed]

    def list_all(self, **filters: Any) -> list[dict[str, Any]]:
        """Every token of the parent that GitLab's ``filters`` (query parameters) keep, revoked ones
        included unless filtered (one request per 100 tokens, at most :data:`MAX_LIST_PAGES`)."""
        route = self.route("list")
        found = self._call(route, lambda: every_page(
            lambda page: self._manager().list(page=page, per_page=LIST_PAGE_SIZE, get_all=False, **filters,
                                              **self._list_filters(), **_IDEMPOTENT),
            lambda most: f"GitLab listed more than {most} tokens on {route}; revoke and delete old ones in "
                         f"GitLab (or check that gitlab:baseUrl points at GitLab: it keeps naming a next page)"))
        return [self._marked(_remember(dict(t.attributes))) for t in found]

    def revoke(self, token_id: int) -> bool:
        """Revoke; ``False`` when GitLab says the token does not exist (nothing to revoke).

        Revoking a revoked token answers 204 again. As in :meth:`get`, a 404
        about the parent stays an error, but one that names the way out: a
        deleted parent would otherwise make every ``pulumi destroy`` fail.
        """
        route = self.route("revoke", token_id)
        try:
            self._call(route, lambda: self._manager().delete(token_id, **_IDEMPOTENT))
        except GitLabTokenError as err:
            if self._token_not_found(err, "revoke") or self._holder_gone(err):
                return False
            if err.status == 404:
                raise GitLabTokenError(
                    f"GitLab answered 404 Not Found on {route}: {err.gitlab_message}. The {self.kind.parent} "
                    f"{self.parent!r} was deleted or the credential cannot see it; GitLab answers the same to "
                    f"both, so the provider cannot tell which. Check in GitLab as an administrator: if it is "
                    f"really gone, its tokens went with it, so drop this resource from the state with "
                    f"`pulumi state delete '<urn>'` (`pulumi stack --show-urns` lists them); otherwise give the "
                    f"credential's user access to it again",
                    status=err.status, gitlab_message=err.gitlab_message,
                ) from None
            raise
        return True

    def update(self, token_id: int, edits: Mapping[str, Any]) -> dict[str, Any]:
        """Edit the token in place (its ``update`` route, a PUT): GitLab's record after the edit."""
        route = self.route("update", token_id)
        return self._call(route, lambda: self._marked(_remember(_token_record(
            self._manager().update(token_id, dict(edits), **_IDEMPOTENT)))))

    def rotate(self, token_id: int, expires_at: str | None) -> dict[str, Any]:
        route = self.route("rotate", token_id)
        rotated = self._call(
            route,
            lambda: _minted(self._manager().rotate(token_id, expires_at=expires_at, **_MINTING)),
            minting=True,
        )
        return _remember(rotated)

    def self_information(self, token: str) -> dict[str, Any] | None:
        """GitLab's view of ``token``, authenticated as itself; ``None`` when it no longer authenticates.

        ``GET /personal_access_tokens/self`` takes a token of any scope and,
        unlike the rotate routes, has no reuse detection: asking with a
        revoked value is harmless.
        """
        route = f"GET {SELF_INFORMATION_PATH}"
        client = gitlab_client.token_client(token)
        try:
            found = self._call(route, lambda: client.http_get(SELF_INFORMATION_PATH, **_IDEMPOTENT))
        except GitLabTokenError as err:
            if err.status == 401:
                return None
            raise
        return dict(found) if isinstance(found, Mapping) else None

    def self_rotate(self, token: str, expires_at: str | None) -> dict[str, Any]:
        """Rotate authenticated as the token itself (needs its ``self_rotate`` or ``api`` scope)."""
        route = self.route("self_rotate")
        client = gitlab_client.token_client(token)
        rotated = self._call(
            route,
            lambda: _minted(self._manager(client).rotate("self", expires_at=expires_at, **_MINTING)),
            minting=True,
        )
        return _remember(rotated)


def _token_record(data: Any) -> dict[str, Any]:
    """GitLab's JSON for one access token, checked for the fields every caller relies on.

    A proxy or a misrouted ``gitlab:baseUrl`` can answer 2xx with anything.
    An answer that is not a token is a parsing error: for a POST that may have
    minted, that is as good as a lost answer, which recovery resolves.
    """
    if not isinstance(data, Mapping) or integral(data.get("id")) is None or (
        data.get("user_id") is not None and integral(data.get("user_id")) is None
    ):
        import gitlab.exceptions

        raise gitlab.exceptions.GitlabParsingError(error_message="the answer is not an access token")
    return dict(data)


def _minted(data: Any) -> dict[str, Any]:
    """A create or rotate answer: a token record that carries the new value."""
    record = _token_record(data)
    if not isinstance(record.get("token"), str) or not record["token"]:
        import gitlab.exceptions

        raise gitlab.exceptions.GitlabParsingError(error_message="the answer carries no token value")
    return record


def _remember(answer: dict[str, Any]) -> dict[str, Any]:
    register_secret(answer.get("token"))
    return answer

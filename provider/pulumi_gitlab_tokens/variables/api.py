"""The CI/CD variable endpoints of one project or group: one request per method.

Every request goes through the shared client of :mod:`.gitlab_client` (its
transport: the credential only to the configured GitLab, bounded retries for
GET and DELETE, none for POST and PUT; a POST whose answer is lost raises
:class:`~.gitlab_errors.AnswerLost`, see :mod:`.variables`) and names the variable by key and
``filter[environment_scope]``, so the same key in another scope is never
touched. Failures leave as one-line
:class:`~pulumi_gitlab_tokens.common.errors.GitLabTokenError`; GitLab's validation
errors keep the attribute they name (``value is invalid``), and a value is
never part of a message (the caller registers it as a secret first).
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Callable, Mapping, TypeVar

from ..client import gitlab_client, gitlab_errors
from ..client.gitlab_client import NO_LIBRARY_RETRIES
from ..common.errors import GitLabTokenError
from ..kinds.base import TokenKind

_FILTER = "filter[environment_scope]"

T = TypeVar("T")


class VariableApi:
    """``/{projects|groups}/:id/variables`` of one parent, by id or full path."""

    def __init__(self, kind: TokenKind, parent: str) -> None:
        self.kind = kind
        self.parent = parent

    @property
    def _path(self) -> str:
        return f"/{self.kind.collection}/{urllib.parse.quote(self.parent, safe='')}/variables"

    def route(self, verb: str, key: str | None = None) -> str:
        return f"{verb} {self._path}{f'/{key}' if key else ''}"

    def get(self, key: str, scope: str) -> dict[str, Any] | None:
        """The variable, or ``None`` when GitLab says it does not exist (a 404 about the parent stays an error)."""
        route = self.route("GET", key)
        try:
            return _record(self._call(route, lambda: gitlab_client.admin_client().http_get(
                f"{self._path}/{key}", query_data={_FILTER: scope}, **NO_LIBRARY_RETRIES)))
        except GitLabTokenError as err:
            if _is_variable_not_found(err):
                return None
            raise

    def create(self, key: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """The new variable; :class:`~.gitlab_errors.AnswerLost` when GitLab may or may not have made it."""
        route = self.route("POST")
        body = {"key": key, **attributes}
        return _record(self._call(route, lambda: gitlab_client.admin_client().http_post(
            self._path, post_data=body, **NO_LIBRARY_RETRIES), creating=True))

    def update(self, key: str, scope: str, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
        """The updated variable, or ``None`` when it no longer exists."""
        route = self.route("PUT", key)
        try:
            return _record(self._call(route, lambda: gitlab_client.admin_client().http_put(
                f"{self._path}/{key}", query_data={_FILTER: scope}, post_data=dict(attributes),
                **NO_LIBRARY_RETRIES)))
        except GitLabTokenError as err:
            if _is_variable_not_found(err):
                return None
            raise

    def delete(self, key: str, scope: str) -> bool:
        """Delete; ``False`` when it was already gone."""
        route = self.route("DELETE", key)
        try:
            self._call(route, lambda: gitlab_client.admin_client().http_delete(
                f"{self._path}/{key}", query_data={_FILTER: scope}, **NO_LIBRARY_RETRIES))
        except GitLabTokenError as err:
            if _is_variable_not_found(err):
                return False
            raise
        return True

    def _call(self, route: str, action: Callable[[], T], *, creating: bool = False) -> T:
        try:
            return action()
        except Exception as err:  # python-gitlab and requests raise many types; all are translated
            validation = _validation_errors(err)
            if validation is not None:
                raise GitLabTokenError(
                    f"GitLab answered 400 Bad Request on {route}: {validation}. {_validation_hint(validation)}.",
                    status=400, gitlab_message=validation) from None
            if creating and gitlab_errors.is_lost_answer(err):
                raise gitlab_errors.AnswerLost(f"{route}: {type(err).__name__}",
                                               in_flight=gitlab_errors.answer_may_still_come(err)) from None
            raise gitlab_errors.translate(self.kind, route, err) from None


def is_taken(err: GitLabTokenError) -> bool:
    """GitLab's refusal of a create: a variable with this key and environment scope exists."""
    return err.status == 400 and "has already been taken" in (err.gitlab_message or "")


def _is_variable_not_found(err: GitLabTokenError) -> bool:
    """GitLab's 404 about the variable itself (``Variable`` / ``GroupVariable``), not its parent."""
    return err.status == 404 and "variable not found" in (err.gitlab_message or "").lower()


def _validation_errors(err: BaseException) -> str | None:
    """GitLab's ``{"message": {"attribute": ["problem"]}}`` as ``attribute problem; ...``, or ``None``."""
    message = getattr(err, "error_message", None)
    if getattr(err, "response_code", None) != 400 or not isinstance(message, Mapping):
        return None
    parts = []
    for attribute, problems in message.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            parts.append(str(problem) if attribute == "base" else f"{attribute} {problem}")
    return "; ".join(parts)


def _validation_hint(validation: str) -> str:
    if "has already been taken" in validation:
        return ("A variable with this key and environment_scope already exists there; delete it in GitLab, "
                "or pick another key or environment_scope")
    if any(words in validation for words in ("cannot be changed for masked and hidden", "Only new variables can be set",
                                             "not allowed on updates")):  # 17.4 to 18.x said the last
        return "GitLab cannot change this on an existing variable; replace the resource"
    return "Fix the input GitLab names; see the masking rules in docs/resources.md (CI/CD variables)"


def _record(data: Any) -> dict[str, Any]:
    """One variable as GitLab describes it; anything else means the base URL is not GitLab's API."""
    if not isinstance(data, Mapping) or not isinstance(data.get("key"), str):
        raise GitLabTokenError("GitLab's answer is not a CI/CD variable; check that gitlab:baseUrl points at GitLab")
    return dict(data)

"""GitLab-shaped errors, and the one place that turns them into HTTP responses.

GitLab answers with two body shapes (see the reference, section 2):

- ``{"error": "..."}`` from Grape: parameter validation and unmatched routes;
- ``{"message": ...}`` from GitLab's helpers (``bad_request!``, ``not_found!``...).

Handlers raise these exceptions; :func:`to_response` is the only code that
renders them, so a wording fix happens here once.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .web import Response


class ApiError(Exception):
    """An error GitLab would answer with ``status`` and ``body``."""

    def __init__(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})


def to_response(error: ApiError) -> Response:
    """Render an :class:`ApiError` as GitLab would send it."""
    return Response.json(error.status, error.body, error.headers)


# --- Grape (``{"error": ...}``) --------------------------------------------------

def param_errors(messages: Iterable[str]) -> ApiError:
    """Grape joins every failing parameter's message with ", "."""
    return ApiError(400, {"error": ", ".join(messages)})


def route_not_found() -> ApiError:
    return ApiError(404, {"error": "404 Not Found"})


# --- GitLab helpers (``{"message": ...}``) --------------------------------------

def bad_request(reason: str) -> ApiError:
    return ApiError(400, {"message": f"400 Bad request - {reason}"})


def unauthorized() -> ApiError:
    return ApiError(401, {"message": "401 Unauthorized"})


def forbidden(reason: str | None = None) -> ApiError:
    return ApiError(403, {"message": f"403 Forbidden - {reason}" if reason else "403 Forbidden"})


def not_found(thing: str | None = None) -> ApiError:
    return ApiError(404, {"message": f"404 {thing} Not Found" if thing else "404 Not Found"})


def record_not_found() -> ApiError:
    """``ActiveRecord::RecordNotFound`` as the API renders it (a finder's ``find``)."""
    return ApiError(404, {"message": "404 Not found"})


def not_allowed() -> ApiError:
    return ApiError(405, {"message": "405 Method Not Allowed"})


def conflict(message: str) -> ApiError:
    return ApiError(409, {"message": message})


def validation_failed(field_errors: Mapping[str, list[str]]) -> ApiError:
    """``render_validation_error!``: the model's errors by attribute."""
    return ApiError(400, {"message": dict(field_errors)})


def internal_error() -> ApiError:
    return ApiError(500, {"message": "500 Internal Server Error"})


# --- rack-oauth2 (token problems) ---------------------------------------------------

_EXPIRED = "Token is expired. You can either do re-authorization or token refresh."
_REVOKED = "Token was revoked. You have to re-authorize from the user."
_INSUFFICIENT = "The request requires higher privileges than provided by the access token."


def invalid_token(*, expired: bool) -> ApiError:
    description = _EXPIRED if expired else _REVOKED
    challenge = f'Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="{description}"'
    return ApiError(
        401,
        {"error": "invalid_token", "error_description": description},
        {"WWW-Authenticate": challenge},
    )


def insufficient_scope(required: Iterable[str]) -> ApiError:
    scope = " ".join(required)
    challenge = (
        f'Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", '
        f'error_description="{_INSUFFICIENT}", scope="{scope}"'
    )
    return ApiError(
        403,
        {"error": "insufficient_scope", "error_description": _INSUFFICIENT, "scope": scope},
        {"WWW-Authenticate": challenge},
    )


def to_sentence(messages: list[str]) -> str:
    """Rails' ``Array#to_sentence``, used for model validation messages."""
    if len(messages) <= 1:
        return "".join(messages)
    return ", ".join(messages[:-1]) + " and " + messages[-1]

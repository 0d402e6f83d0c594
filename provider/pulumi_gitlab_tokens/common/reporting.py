"""How every provider operation fails: one scrubbed :class:`~.errors.GitLabTokenError` line.

The token, variable and service-account providers all decorate their operations
with :func:`reported`, so a failure never shows python-gitlab's frames or a secret.
"""

from __future__ import annotations

import functools
import traceback
from typing import Any, Callable, Mapping, TypeVar

from .errors import GitLabTokenError, register_secret, scrub

__all__ = ["reported"]

F = TypeVar("F", bound=Callable[..., Any])


def reported(operation: str) -> Callable[[F], F]:
    """Raise failures as a scrubbed :class:`GitLabTokenError` with a short traceback.

    The servicer shows ``traceback.format_exc()``; re-raising here drops the
    python-gitlab and requests frames (and their chained exceptions) so the
    last line - our message - is what the user reads. Unexpected exceptions
    are wrapped too, so no message can carry a secret.
    """

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def reported(self: Any, *args: Any) -> Any:
            for props in args:  # token values the engine hands back are secrets this process has seen
                if isinstance(props, Mapping):
                    register_secret(props.get("token"))
            try:
                return method(self, *args)
            except GitLabTokenError as err:
                err.__traceback__ = None
                raise err from None
            except Exception as err:
                frame = traceback.extract_tb(err.__traceback__)[-1:]
                where = f" at {frame[0].filename.rsplit('/', 1)[-1]}:{frame[0].lineno}" if frame else ""
                raise GitLabTokenError(
                    f"{operation} failed unexpectedly{where}: {type(err).__name__}: {scrub(str(err))}. "
                    f"This is a bug in pulumi-gitlab-tokens; please report it."
                ) from None

        return reported  # type: ignore[return-value]

    return wrap

"""The one error type the provider raises, and the scrubber that keeps secrets out of it.

The dynamic-provider servicer reports a failed operation with
``traceback.format_exc()``: the user sees the frames and the last line,
``GitLabTokenError: <message>``. So the message is the product. It is one
line, says what GitLab answered and what to do, and never carries a token or
the credential: every message passes through :func:`scrub` on the way in.
"""

from __future__ import annotations

import re
import threading
from typing import Iterable

from . import catalogue

# GitLab token formats: one of GitLab's real prefixes plus a routable or
# legacy body (base64url, dots and digits). Only the real prefixes: a generic
# ``gl...-`` pattern would also hide ordinary names such as
# ``global-infrastructure``, making messages about them unreadable.
_TOKEN_PATTERN = re.compile(
    "(?:" + "|".join(re.escape(p) for p in catalogue.TOKEN_PREFIXES) + r")[A-Za-z0-9_.\-]{8,}"
)
_REDACTED = "[REDACTED]"

_known_secrets: set[str] = set()
_known_lock = threading.Lock()


def register_secret(value: object) -> None:
    """Remember a secret value (credential, token) so :func:`scrub` removes it verbatim.

    Values are kept only in this process's memory; short values are ignored
    because scrubbing them would mangle ordinary words. The stripped value and
    its ``repr`` forms (as text and as UTF-8 bytes) are registered too: that is
    how a value with a stray newline shows in an exception message.
    """
    if not isinstance(value, str):
        return
    forms = {value, value.strip(), repr(value)[1:-1], repr(value.encode("utf-8", "backslashreplace"))[2:-1]}
    with _known_lock:
        _known_secrets.update(form for form in forms if len(form) >= 8)


def scrub(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with token-shaped strings and known secrets replaced."""
    with _known_lock:
        secrets = set(_known_secrets)
    secrets.update(s for s in extra_secrets if isinstance(s, str) and len(s) >= 8)
    # Longest first, so a secret containing another is removed whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    return _TOKEN_PATTERN.sub(_REDACTED, text)


def one_line(text: str) -> str:
    """Collapse whitespace so a message stays on one line."""
    return " ".join(text.split())


class GitLabTokenError(Exception):
    """A GitLab call, or an operation built from several, failed.

    The message is one scrubbed line. ``status`` and ``gitlab_message`` are
    GitLab's HTTP status and message when the failure came from an answer
    (``None`` for connection trouble and for failures the provider detected).
    """

    def __init__(self, message: str, *, status: int | None = None, gitlab_message: str | None = None) -> None:
        super().__init__(one_line(scrub(message)))
        self.status = status
        self.gitlab_message = scrub(gitlab_message) if gitlab_message is not None else None

    def is_token_not_found(self) -> bool:
        """A 404 about the token itself (not about its project or group)."""
        return self.status == 404 and "access token" in (self.gitlab_message or "").lower()

    @property
    def message(self) -> str:
        return str(self.args[0])


class CredentialMissingError(GitLabTokenError):
    """No GitLab credential is configured for an operation that needs one."""

    def __init__(self) -> None:
        super().__init__(
            "No GitLab credential is configured. Set the stack secret with "
            "`pulumi config set --secret gitlab:token <token>` (a personal access "
            "token with the `api` scope, Maintainer on the project or Owner on the "
            "group), or export GITLAB_TOKEN."
        )

"""The one error type the provider raises, and the scrubber that keeps secrets out of it.

The dynamic-provider servicer reports a failed operation with
``traceback.format_exc()``: the user sees the frames and the last line,
``GitLabTokenError: <message>``. So the message is the product. It is one
line, says what GitLab answered and what to do, and never carries a token or
the credential: every message passes through :func:`~.scrub.scrub` on the way in.
"""

from __future__ import annotations

from .characters import escape_unsafe
from .scrub import one_line, register_secret, scrub, shorten

__all__ = ["CredentialMissingError", "GitLabTokenError", "one_line", "register_secret", "scrub", "shorten"]


class GitLabTokenError(Exception):
    """A GitLab call, or an operation built from several, failed.

    The message is one scrubbed line. ``status`` and ``gitlab_message`` are
    GitLab's HTTP status and message when the failure came from an answer
    (``None`` for connection trouble and for failures the provider detected).
    """

    def __init__(self, message: str, *, status: int | None = None, gitlab_message: str | None = None) -> None:
        # One line, then no control or bidi character left (a server's message
        # could carry terminal escapes): what the CLI prints is what it says.
        super().__init__(escape_unsafe(one_line(scrub(message))))
        self.status = status
        self.gitlab_message = escape_unsafe(scrub(gitlab_message)) if gitlab_message is not None else None

    def is_token_not_found(self) -> bool:
        """A 404 about the token itself (not about its project or group)."""
        return self.status == 404 and "access token" in (self.gitlab_message or "").lower()

    @property
    def message(self) -> str:
        return str(self.args[0])


class CredentialMissingError(GitLabTokenError):
    """No GitLab credential is configured for an operation that needs one."""

    #: Who the credential must be when the operation's kind is not known.
    ANY_MANAGER = "a personal access token with the `api` scope whose user may manage the resource"

    def __init__(self, credential: str = ANY_MANAGER) -> None:
        """``credential`` says whose token the kind needs (see ``gitlab_errors.credential_needed``)."""
        super().__init__(
            "No GitLab credential is configured. Set the stack secret with "
            f"`pulumi config set --secret gitlab:token <token>` ({credential}), "
            "or export GITLAB_TOKEN."
        )

"""GitLab's failures as one readable line: status, route, GitLab's message and what to do.

Every python-gitlab or ``requests`` failure leaves the endpoints as a
:class:`~pulumi_gitlab_tokens.common.errors.GitLabTokenError` made here by
:func:`translate`, with a hint chosen by route and status and worded for the
token's kind (its parent and the role that manages its tokens). For the POSTs
that mint a token (create, rotate) a 5xx or a lost connection is ambiguous -
GitLab may have committed before the answer was lost - so those are
:class:`AnswerLost` instead (:func:`is_lost_answer`), and
:mod:`pulumi_gitlab_tokens.lifecycle.recovery` finds out what happened before trying again.
"""

from __future__ import annotations

import http
import re
import urllib.parse
from typing import TYPE_CHECKING, Any, Mapping

from ..common import config_keys
from ..common.errors import CredentialMissingError, GitLabTokenError, shorten
from . import gitlab_client, retry_limits

if TYPE_CHECKING:
    import gitlab.exceptions

    from ..kinds.base import TokenKind

SELF_ROTATE_SUFFIX = "/self/rotate"


class AnswerLost(Exception):
    """A minting POST may or may not have been committed: its answer never arrived.

    ``in_flight`` is true after a timeout: GitLab may still be working on the
    request and commit it later, after any listing the provider makes now.
    """

    def __init__(self, what: str, *, in_flight: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.in_flight = in_flight


def _is_lost_connection(err: BaseException) -> bool:
    import requests  # loaded by the failed call already (see gitlab_client)

    return isinstance(err, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.Timeout))


def answer_may_still_come(err: BaseException) -> bool:
    """Whether ``err`` is a read timeout: GitLab may still be working on the request."""
    import requests

    return isinstance(err, requests.exceptions.ReadTimeout)


def _status_phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


#: How much of GitLab's message an error shows, after scrubbing.
MESSAGE_LIMIT = 300
#: How much of an answer body is looked at at all (scrubbing is linear in it).
_MESSAGE_READ_LIMIT = 64 * 1024
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def _gitlab_message(err: gitlab.exceptions.GitlabError) -> str:
    """GitLab's message, scrubbed before it is cut (a cut could split a secret past recognition)."""
    message: Any = err.error_message
    if isinstance(message, bytes):
        message = message[:_MESSAGE_READ_LIMIT].decode("utf-8", "replace")
    if isinstance(message, Mapping):
        message = _by_attribute(message)
    text = str(message)[:_MESSAGE_READ_LIMIT]
    if text.lstrip()[:1] == "<":
        # An HTML page: a proxy, a login page or a maintenance page, not GitLab's API.
        title = _HTML_TITLE.search(text)
        text = f"an HTML page{f' titled {title.group(1).strip()!r}' if title else ''}, not GitLab's API"
    return shorten(text, MESSAGE_LIMIT) or "(no message)"


def _by_attribute(errors: Mapping[Any, Any]) -> str:
    """A model's errors by attribute (``render_validation_error!``: ``{"expires_at": ["can't be blank"]}``) as
    Rails' full messages say them: ``Expires at can't be blank``, each attribute named (``base``: none)."""
    said = []
    for attribute, messages in errors.items():
        name = "" if attribute == "base" else str(attribute).replace("_", " ").capitalize() + " "
        for text in messages if isinstance(messages, list) else [messages]:
            said.append(f"{name}{text}")
    return "; ".join(said)


def _hint(kind: TokenKind, route: str, status: int, message: str) -> str:
    low = message.lower()
    if route.endswith(SELF_ROTATE_SUFFIX) and status in (401, 405):
        # Authenticated as the token itself: gitlab:token played no part.
        if status == 401:
            return (
                f"GitLab did not accept the token's own value (gitlab:token is not used to self-rotate): it is "
                f"revoked or expired, perhaps rotated outside Pulumi, or belongs to another {kind.parent}. Set "
                f"gitlab:token so the provider rotates by id, then run `pulumi refresh` and `pulumi up`"
            )
        return (
            f"The value in the state is not an access token of this {kind.parent}, so it cannot rotate itself; "
            f"set gitlab:token so the provider rotates by id"
        )
    creators_hint = kind.creators.hint(kind, status, low)
    if creators_hint is not None:
        return creators_hint
    if status == 401:
        return (
            "Check that gitlab:token (or GITLAB_TOKEN) is valid and not expired or revoked, "
            f"and that its user is {kind.creators.who(kind)}"
        )
    if status == 403:
        if "insufficient_scope" in low or "scope" in low:
            return "The credential lacks a scope: use a token with the `api` scope"
        return f"The credential may not do this: it needs {kind.manager_role} on the {kind.parent}"
    if status == 404:
        if "access token" in low:
            return "The token no longer exists; run `pulumi refresh` to drop it from the state"
        if kind.route_inputs and kind.absence.says_token_missing(status, message):
            # GitLab's bare ``404 Not found`` (a finder's RecordNotFound): here, what a route input names.
            named = " or ".join(kind.route_inputs)
            return (f"The {named} names nothing the credential can see in this {kind.parent}; check the {named} "
                    f"input (and that the credential's user is a member of the {kind.parent})")
        return (
            f"The {kind.parent} does not exist or the credential cannot see it; check the {kind.parent} "
            f"input and that the credential's user is a member"
        )
    if status == 400:
        if "expires at must be before" in low:
            return (
                "Lower the expiry (expires_at or rotation_configuration.expiration_days), or set "
                f"{config_keys.MAX_LIFETIME_KEY} to your instance's limit so previews catch it"
            )
        if "already revoked" in low:
            return "The token was revoked outside Pulumi; run `pulumi refresh`, then `pulumi up` replaces it"
        if "permission" in low or "cannot delete" in low or "not eligible" in low or "access level" in low:
            return (
                f"The credential's user needs {kind.manager_role} (or higher) on the {kind.parent}, "
                "and a role that includes the token's access_level (at least as high; planner and "
                "security_manager only from an Owner or a holder of the same role)"
            )
        if "does not have a valid value" in low:
            return "This GitLab instance does not accept that value (a scope may be disabled here)"
        if "active tokens at a time" in low:
            return (
                "GitLab keeps only that many active tokens here, and a replacement creates its new token before "
                "it revokes the old one: revoke a token no longer in use, or give the resource the option "
                "deleteBeforeReplace (Python: delete_before_replace=True) so the old token is revoked first"
            )
        if "limit reached" in low:
            return "The instance's token limit is reached: revoke unused tokens"
        return "GitLab rejected the request; fix the input it names"
    if status == 429:
        return (
            f"GitLab kept rate-limiting; the provider waits at most {retry_limits.MAX_RETRY_WAIT_SECONDS:.0f} s at a "
            f"time and {retry_limits.RETRY_BUDGET_SECONDS:.0f} s per call. Try again later or raise the limit"
        )
    if status >= 500:
        return "GitLab failed, also on retries where they are safe; try again later"
    return "See GitLab's message"


def _describe_url(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def credential_needed(kind: TokenKind) -> str:
    """Whose token ``kind`` needs as ``gitlab:token``, in the words of the role GitLab checks."""
    return kind.creators.credential_needed(kind)


def translate(kind: TokenKind, route: str, err: BaseException) -> GitLabTokenError:
    """Turn a python-gitlab or requests failure into one readable line."""
    import gitlab.exceptions
    import requests

    if isinstance(err, CredentialMissingError):  # raised before the kind was known: name its role
        return CredentialMissingError(credential_needed(kind))
    if isinstance(err, GitLabTokenError):
        return err
    if isinstance(err, gitlab.exceptions.GitlabError) and err.response_code is not None:
        status = int(err.response_code)
        message = _gitlab_message(err)
        return GitLabTokenError(
            f"GitLab answered {_status_phrase(status)} on {route}: {message}. "
            f"{_hint(kind, route, status, message)}.",
            status=status,
            gitlab_message=message,
        )
    where = _describe_url(gitlab_client.current_settings().base_url)
    if isinstance(err, requests.exceptions.SSLError):
        return GitLabTokenError(
            f"TLS to GitLab at {where} failed on {route}. Point gitlab:cacertFile at the CA bundle "
            f"that signed the server's certificate (or, for a test instance only, set gitlab:insecure true)."
        )
    from .transport import never_connected

    if never_connected(err):
        return GitLabTokenError(
            f"GitLab at {where} could not be reached on {route}: the connection was refused or the host "
            f"is unknown, so nothing was sent. Check gitlab:baseUrl (or GITLAB_BASE_URL): it must be "
            f"the address of a running GitLab."
        )
    if _is_lost_connection(err):
        return GitLabTokenError(
            f"Could not reach GitLab at {where} on {route} ({type(err).__name__}), even after retries. "
            f"Check gitlab:baseUrl (or GITLAB_BASE_URL) and the network."
        )
    if isinstance(err, gitlab.exceptions.GitlabParsingError):
        return GitLabTokenError(
            f"GitLab's answer on {route} was not usable ({shorten(str(err.error_message), 120)}). "
            f"Check that gitlab:baseUrl points at GitLab itself."
        )
    if isinstance(err, gitlab.exceptions.RedirectError):
        return GitLabTokenError(
            f"GitLab redirected {route}. Set gitlab:baseUrl to the final address (https, no redirect)."
        )
    # Only the exception's type: requests puts request parts (a header's value,
    # the credential among them) into its messages, and the scrubber only knows
    # the forms of a secret it was told about.
    return GitLabTokenError(f"Calling GitLab on {route} failed before an answer: {type(err).__name__}.")


def is_lost_answer(err: BaseException) -> bool:
    """Whether a minting POST's failure leaves open whether GitLab committed it."""
    import gitlab.exceptions
    import requests

    if isinstance(err, requests.exceptions.SSLError):
        return False  # refused before anything was sent
    if _is_lost_connection(err) or isinstance(err, gitlab.exceptions.GitlabParsingError):
        return True
    code = getattr(err, "response_code", None)
    return isinstance(err, gitlab.exceptions.GitlabError) and code is not None and int(code) >= 500

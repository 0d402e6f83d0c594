"""Early checks at preview: would GitLab let the credential create this token?

For each token about to be created, ``check`` asks GitLab what the create would be answered (the
credential, the parent, the creator's role, as the kind's ``creators`` part judges it), once per
process for each credential and parent, and reports the line ``pulumi up`` would print.
docs/preview-checks.md says what is checked, what it costs and what is not seen.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable, Mapping

from pulumi.dynamic import CheckFailure

from ..client import gitlab_client
from ..client.gitlab_errors import translate
from ..common import catalogue
from ..common.config_keys import PREVIEW_CHECKS_KEY
from ..common.errors import GitLabTokenError
from ..rules.inputs import integral, is_unknown
from .token_endpoints import TokenEndpoints

if TYPE_CHECKING:
    from ..kinds.base import TokenKind

#: Usernames GitLab gives the bot users of project and group access tokens
#: (``project_<id>_bot_<hex>``; ``project_<id>_bot<n>`` before 16.x).
_RESOURCE_BOT_USERNAME = re.compile(r"^(project|group)_\d+_bot")
#: GitLab's answer for "not a member" on ``members/all/:user_id`` (``ActiveRecord::RecordNotFound``).
_NOT_A_MEMBER = "404 not found"

_OWNER = catalogue.ACCESS_LEVELS["owner"]
_SECURITY_MANAGER = catalogue.ACCESS_LEVELS["security_manager"]
#: The first GitLab release whose tokens may have the Security Manager role (its GA, in 19.0 or 19.1).
SECURITY_MANAGER_SINCE = (19, 0)


@dataclass(frozen=True)
class Caller:
    """Who the credential acts as, from ``GET /user``."""

    user_id: int
    #: Present (and true) only when an administrator looks, in admin mode where it is on.
    is_admin: bool
    #: GitLab's ``bot``: project and group bots, and service accounts.
    is_bot: bool
    username: str

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any]) -> "Caller":
        return cls(
            user_id=int(answer["id"]),
            is_admin=answer.get("is_admin") is True,
            is_bot=answer.get("bot") is True,
            username=str(answer.get("username") or ""),
        )

    @property
    def is_resource_bot(self) -> bool:
        """A project or group access token: GitLab's policies stop its bot user from creating tokens."""
        return self.is_bot and _RESOURCE_BOT_USERNAME.match(self.username) is not None


class _OncePerKey:
    """The outcome of one fetch per key, shared by every thread: a value, or the exception it raised."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[Hashable, tuple[threading.Lock, list[Any]]] = {}

    def outcome(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            lock, box = self._slots.setdefault(key, (threading.Lock(), []))
        with lock:
            if not box:
                try:
                    box.append(fetch())
                except Exception as err:  # kept and translated where used: each use has its own route
                    err.__traceback__ = None
                    box.append(err)
            return box[0]

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()


_callers = _OncePerKey()
_memberships = _OncePerKey()
_versions = _OncePerKey()


def reset() -> None:
    """Forget every answer (tests; a provider process asks once and keeps them)."""
    _callers.clear()
    _memberships.clear()
    _versions.clear()


def gitlab_release() -> tuple[int, int] | None:
    """GitLab's ``major.minor`` from ``GET /version``, asked once per process and credential; None if unknown."""
    settings = gitlab_client.current_settings()
    answer = _versions.outcome((settings.base_url, settings.token), lambda: gitlab_client.read_path("/version"))
    found = re.match(r"(\d+)\.(\d+)", str(answer.get("version", ""))) if isinstance(answer, Mapping) else None
    return (int(found.group(1)), int(found.group(2))) if found else None


def failures(kind: TokenKind, inputs: Mapping[str, Any]) -> list[CheckFailure]:
    """Why GitLab would refuse to create the token ``inputs`` describe (checked inputs), or nothing.

    Credential failures name no property; the others name the parent. Nothing is
    asked while the parent is still unknown (an output of another resource).
    """
    parent = inputs.get(kind.parent)
    if parent is None or is_unknown(parent):
        return []
    level = inputs.get("access_level")  # absent for a kind without access levels
    wanted = None if level is None or is_unknown(level) else catalogue.access_level_value(integral(level) or level)
    route = TokenEndpoints(kind, str(parent), inputs).route("create")
    settings = gitlab_client.current_settings()
    credential = (settings.base_url, settings.token)
    caller = _caller(kind, route, credential)
    if isinstance(caller, list):
        return caller
    return kind.creators.judged_by(_CreatorCheck(kind, route, caller, str(parent), credential, wanted))


@dataclass
class _CreatorCheck:
    """Would GitLab let ``caller`` create the token? One method per sort of creator (:mod:`..kinds.parts`)."""

    kind: TokenKind
    route: str
    caller: Caller
    parent: str
    credential: Hashable
    wanted: int | None

    def members(self, creators: Any) -> list[CheckFailure]:
        kind, route = self.kind, self.route
        role = _role(kind, self.parent, route, self.caller, self.credential)
        if isinstance(role, list):
            return role
        refusal = creators.refusal(kind, self.caller, role, self.wanted)
        if refusal is None:
            return _level_unknown_to_this_gitlab(kind, route, self.wanted)
        # The answer the create would get, in GitLab's words, so the message is the create's own.
        status, message = creators.refused_answer(refusal)
        import gitlab.exceptions  # loaded by the caller lookup already (see gitlab_client)

        answer = gitlab.exceptions.GitlabCreateError(message, status)
        return [CheckFailure(kind.parent, translate(kind, route, answer).message)]

    def administrators(self) -> list[CheckFailure]:
        return _administrator_failures(self.kind, self.route, self.caller, self.parent, self.credential)


def _level_unknown_to_this_gitlab(kind: TokenKind, route: str, wanted: int | None) -> list[CheckFailure]:
    """A Security Manager token on a GitLab before 19.0, which has no such role (``GET /version``, asked once)."""
    if wanted != _SECURITY_MANAGER:
        return []
    release = gitlab_release()
    if release is None or release >= SECURITY_MANAGER_SINCE:
        return []
    import gitlab.exceptions  # loaded by the caller lookup already (see gitlab_client)

    answer = gitlab.exceptions.GitlabCreateError("access_level does not have a valid value", 400)
    return [CheckFailure("access_level", (
        f"{translate(kind, route, answer).message} GitLab {release[0]}.{release[1]} has no Security Manager role "
        f"(19.0 and later have it); choose another access_level"))]


def caller_and_role(kind: TokenKind, parent: str, route: str) -> tuple[Caller, int] | list[CheckFailure]:
    """Who the credential is and its role on ``parent`` (Owner for an administrator), each asked once
    per process; or the failure to report, as ``route`` would answer it."""
    settings = gitlab_client.current_settings()
    credential = (settings.base_url, settings.token)
    caller = _caller(kind, route, credential)
    if isinstance(caller, list):
        return caller
    role = _role(kind, parent, route, caller, credential)
    return role if isinstance(role, list) else (caller, role)


def _caller(kind: TokenKind, route: str, credential: Hashable) -> Caller | list[CheckFailure]:
    answer = _callers.outcome(credential, lambda: gitlab_client.read_path("/user"))
    if isinstance(answer, Exception):
        return [CheckFailure("", translate(kind, route, answer).message)]
    return Caller.from_answer(answer)


def _role(kind: TokenKind, parent: str, route: str, caller: Caller, credential: Hashable) -> int | list[CheckFailure]:
    membership = _memberships.outcome(
        (credential, kind.collection, parent), lambda: _member_level(kind, parent, caller.user_id)
    )
    if isinstance(membership, Exception):
        return [CheckFailure(kind.parent, translate(kind, route, membership).message)]
    return _OWNER if caller.is_admin else membership


def refusal_reason(kind: TokenKind, caller: Caller, role: int, wanted: int | None) -> str | None:
    """GitLab 19.x's reason for refusing ``caller`` (with ``role`` on the parent) a token at ``wanted``.

    19.x says the same for an Owner project token from a non-owner and for any level
    above the caller's; 18.x said ``Could not provision owner access ...`` and ``... can't
    be greater the access level ...``, which the error translation knows too.
    """
    return kind.creators.refusal(kind, caller, role, wanted)


def _administrator_failures(
    kind: TokenKind, route: str, caller: Caller, parent: str, credential: Hashable
) -> list[CheckFailure]:
    """A kind only administrators create, for a user: the credential is an administrator's, the user exists.

    ``GET /{collection}/:id`` (``GET /users/:id``) answers ``404 User Not Found`` for a missing user.
    """
    if not caller.is_admin:
        return [CheckFailure("", (
            f"GitLab would answer 403 Forbidden on {route}: only administrators may create a "
            f"{kind.resource_name} (GitLab's administrator API), and gitlab:token belongs to "
            f"{caller.username or f'user {caller.user_id}'}, who is not one (or is, but outside admin mode). Set "
            f"gitlab:token (or GITLAB_TOKEN) to an administrator's personal access token with the `api` scope "
            f"(and `admin_mode` where admin mode is on)"
        ))]
    encoded = urllib.parse.quote(parent, safe="")
    found = _memberships.outcome((credential, kind.collection, parent),
                                 lambda: gitlab_client.read_path(f"/{kind.collection}/{encoded}"))
    if isinstance(found, Exception) and getattr(found, "response_code", None) == 404:
        return [CheckFailure(kind.parent, (
            f"{kind.parent} {parent} names no user: GitLab answered 404 User Not Found on GET /{kind.collection}/"
            f"{encoded}. Give the id of an existing user or service account (`POST /service_accounts` makes an "
            f"instance service account)"
        ))]
    if isinstance(found, Exception):
        return [CheckFailure(kind.parent, translate(kind, route, found).message)]
    return []


def _member_level(kind: TokenKind, parent: str, user_id: int) -> int:
    """The user's highest role on the parent, inherited included; 0 for none. Raises if the parent is missing."""
    encoded = urllib.parse.quote(parent, safe="")
    try:
        member = gitlab_client.read_path(f"/{kind.collection}/{encoded}/members/all/{user_id}")
    except Exception as err:
        not_a_member = str(getattr(err, "error_message", "")).strip().lower() == _NOT_A_MEMBER
        if getattr(err, "response_code", None) == 404 and not_a_member:
            return 0
        raise
    if not isinstance(member, Mapping):
        return 0
    return integral(member.get("access_level")) or 0


def describe_failure(err: BaseException) -> str:
    """A one-line message for an unexpected failure of the checks themselves."""
    detail = err.message if isinstance(err, GitLabTokenError) else type(err).__name__
    return (
        f"the preview checks failed unexpectedly ({detail}); `pulumi config set {PREVIEW_CHECKS_KEY} false` "
        f"skips them. This is a bug in pulumi-gitlab-tokens; please report it."
    )

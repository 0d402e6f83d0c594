"""Minting tokens when answers get lost, without leaving orphaned active tokens.

Create and rotate are POSTs that mint a secret. If the connection drops, times
out or GitLab answers 5xx, GitLab may already have committed: a blind retry
would leave a live token nobody holds. So after a lost answer the provider
looks before it leaps:

Lost create
    List the parent's tokens with the same name and keep those this attempt
    could have made: not revoked, same scopes, access level, description and
    expiry, created since shortly before the attempt began (clock skew
    allowed). There are at most as many as answers lost. If there are none,
    nothing was committed and the POST is retried. If there are, the newest
    is *rotated* - that both revokes the orphan and hands back a fresh value
    for the same bot user. Once a token is held, any other token the lost
    attempts made (one landing late, after a timeout) is revoked.

Lost rotate
    Rotation revokes the old token and mints a new one for the same bot user,
    in one transaction. List the tokens with the name, keep the bot's
    unrevoked ones: if the old token is among them, nothing was committed and
    the rotation is retried; otherwise the newest is the new token, whose
    value was lost, so it is rotated in turn.

Lost self-rotation
    The same, with one rule more: the old token is never used again once it
    may be revoked. Authenticating a rotation with a revoked token triggers
    GitLab's reuse detection, which revokes the whole token family. Looking
    needs the admin credential; without one the error says so.

Attempts are bounded (:data:`MAX_ATTEMPTS`); when they run out the error says
what is known. The one thing the listing cannot tell apart is a twin: another
token in the same parent with the same name, scopes, level, description and
expiry, created within the skew window. Give tokens distinct names (the
default, the resource name, is distinct).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from . import clock
from .errors import GitLabTokenError
from .gitlab_api import AccessTokenApi, AnswerLost, has_admin_credential
from .inputs import TokenSpec, stored_date

MAX_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.5
#: How far the GitLab server's clock may lag ours when matching ``created_at``.
CLOCK_SKEW = dt.timedelta(minutes=10)


def create_token(api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date) -> dict[str, Any]:
    """Create the token (one POST when all goes well); GitLab's answer, with ``token``."""
    started = clock.now()
    since = started - CLOCK_SKEW
    lost = 0
    answer: dict[str, Any] | None = None
    for attempt in range(MAX_ATTEMPTS):
        try:
            answer = api.create(
                name=spec.name,
                scopes=list(spec.scopes),
                access_level=spec.access_level_value,
                expires_at=expires_at.isoformat(),
                description=spec.description,
            )
            break
        except AnswerLost:
            lost += 1
        mine = _created_by_this_attempt(api, spec, expires_at, since=since, at_most=lost)
        if mine:
            newest = mine[-1]
            answer = rotate_token(
                api,
                token_id=int(newest["id"]),
                bot_user_id=int(newest["user_id"]),
                name=spec.name,
                expires_at=expires_at,
            )
            break
        # Nothing committed yet. A timed-out request may still be in flight,
        # so give it a moment to land before posting again.
        time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
    if answer is None:
        raise GitLabTokenError(
            f"Creating token {spec.name!r} on {api.route('POST')} failed {MAX_ATTEMPTS} times without an "
            f"answer, and GitLab lists no token from these attempts. Try again later."
        )
    if lost:
        # Any other token the lost attempts made is an orphan nobody holds.
        keep = int(answer["id"])
        strays = [t for t in _created_by_this_attempt(api, spec, expires_at, since=since, at_most=lost + 1)
                  if int(t["id"]) != keep]
        for stray in strays[-lost:]:
            api.revoke(int(stray["id"]))
    return answer


def rotate_token(
    api: AccessTokenApi,
    *,
    token_id: int,
    bot_user_id: int | None,
    name: str,
    expires_at: dt.date,
    self_token: str | None = None,
) -> dict[str, Any]:
    """Rotate ``token_id`` to ``expires_at``; GitLab's answer for the new token, with ``token``.

    With ``self_token`` (the token's own value, when it has the ``self_rotate``
    scope) the first attempt authenticates as the token itself and needs no
    admin credential.
    """
    current = token_id
    for attempt in range(MAX_ATTEMPTS):
        try:
            if self_token is not None and current == token_id:
                return api.self_rotate(self_token, expires_at.isoformat())
            return api.rotate(current, expires_at.isoformat())
        except AnswerLost:
            pass
        except GitLabTokenError as err:
            # A retry racing a lost attempt that landed late: that one rotated
            # the token, so look for its successor like after a lost answer.
            if not (attempt and err.status == 400 and "already revoked" in (err.gitlab_message or "").lower()):
                raise
        if self_token is not None and not has_admin_credential():
            raise GitLabTokenError(
                f"The answer to self-rotating token {name!r} on {api.route('POST', '/self/rotate')} was lost, "
                f"and without an admin credential the provider cannot see whether GitLab rotated it (the old "
                f"token must not be used again: GitLab revokes the whole token family when a revoked token "
                f"tries to rotate). Set gitlab:token, run `pulumi refresh`, then `pulumi up`."
            )
        alive = [
            t
            for t in api.list_named(name)
            if not t.get("revoked") and (bot_user_id is None or t.get("user_id") == bot_user_id)
        ]
        if any(int(t["id"]) == current for t in alive):
            continue  # not committed: the same token is still there to rotate
        if not alive:
            raise GitLabTokenError(
                f"The answer to rotating token {name!r} (id {current}) was lost, and GitLab now lists no "
                f"unrevoked token for its bot user. Run `pulumi refresh`, then `pulumi up` to replace it."
            )
        newest = max(alive, key=lambda t: int(t["id"]))
        if bot_user_id is None:
            bot_user_id = int(newest["user_id"])
        current = int(newest["id"])  # committed: rotate the new token to get a value we hold
    raise GitLabTokenError(
        f"Rotating token {name!r} failed {MAX_ATTEMPTS} times without an answer; the state still names "
        f"token id {token_id}. Run `pulumi refresh`, then `pulumi up` again."
    )


def _created_by_this_attempt(
    api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date, *, since: dt.datetime, at_most: int
) -> list[dict[str, Any]]:
    """Unrevoked tokens matching ``spec`` made since ``since``: the newest ``at_most``, oldest first."""
    matching = [t for t in api.list_named(spec.name) if _matches(t, spec, expires_at, since)]
    matching.sort(key=lambda t: int(t["id"]))
    return matching[-at_most:]


def _matches(token: dict[str, Any], spec: TokenSpec, expires_at: dt.date, since: dt.datetime) -> bool:
    if token.get("revoked") or token.get("id") is None:
        return False
    if set(token.get("scopes") or ()) != set(spec.scopes):
        return False
    level = token.get("access_level")
    if level is not None and int(level) != spec.access_level_value:
        return False
    if (token.get("description") or None) != spec.description:
        return False
    if stored_date(token.get("expires_at")) != expires_at:
        return False
    created = _timestamp(token.get("created_at"))
    return created is None or created >= since


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return clock.parse_rfc3339(value)
    except ValueError:
        return None

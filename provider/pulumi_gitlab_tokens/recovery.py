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

A create that died with its process
    In-process recovery ends with the process. When ``pulumi up`` is killed
    (SIGKILL, a crashed runner) a create GitLab committed leaves a token
    nobody holds, and the state knows the create only as *pending*; after
    ``pulumi cancel`` and ``pulumi refresh --clear-pending-creates`` the
    next ``up`` creates the resource again. So ``create`` keeps a local
    intent journal (:mod:`.journal`), one entry per stack and token: written
    before the POST (start time, the spec posted), given the token id after
    the answer, and forgotten as soon as the engine hands that token back to
    the provider as state (``diff``, ``read``, ``update``, ``delete``). A
    create that finds an entry lists the parent's tokens by name and takes
    those the dead create could have made - unrevoked, the spec it posted,
    created since it began. If the newest also fits what is wanted now it is
    adopted by rotation (fresh value, orphan revoked, same bot user); every
    other one is revoked, then the POST goes ahead. The normal case stays one
    POST: the journal is local files. Entries are per stack and resource
    (the program names its organization/project/stack and each resource's
    type and name), and Pulumi's stack lock means whoever finds an entry
    knows its writer is finished or dead. A token another resource's entry
    names, or the state showed, in this process is never adopted or revoked
    for this one, by the journal or by in-process recovery.

    Limits: an entry written on another machine (a CI runner whose home is
    thrown away) is not seen, so the orphan stays - revoke it by name.
    Rotations (``update``) are journalled the same way. A kill mid-rotation
    leaves the old token revoked and its successor unheld: the next ``up``
    rotates the successor (found by its bot user) to a value it holds, or,
    after a ``refresh``, the replacement's create adopts it.

Attempts are bounded (:data:`MAX_ATTEMPTS`); when they run out the error says
what is known. The one thing the listing cannot tell apart is a twin: another
token in the same parent with the same name, scopes, level, description and
expiry, created within the skew window. Give tokens distinct names (the
default, the resource name, is distinct).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

from . import clock, journal
from .errors import GitLabTokenError
from .gitlab_api import SELF_ROTATE_SUFFIX, AccessTokenApi, AnswerLost, has_admin_credential
from .inputs import TokenSpec, integral, stored_date

MAX_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.5
#: How far the GitLab server's clock may lag ours when matching ``created_at``.
CLOCK_SKEW = dt.timedelta(minutes=10)


def create_token(
    api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date, slot: journal.Slot | None = None
) -> dict[str, Any]:
    """Create the token (one POST when all goes well); GitLab's answer, with ``token``.

    With a journal ``slot``, an entry left by a create that died is resolved
    first (see the module docstring), the intent is written before the POST
    and the token id after the answer.
    """
    started = clock.now()
    intent = _intent(spec, expires_at, started)
    if slot is not None:
        prior = slot.read()
        if prior is not None:
            adopted = _resolve_prior(api, spec, expires_at, prior, slot)
            if adopted is not None:
                slot.write(dataclasses.replace(prior, token_id=int(adopted["id"])))
                return adopted
        slot.write(intent)
    try:
        answer = _create_token(api, spec, expires_at, started, slot)
    except GitLabTokenError as err:
        if slot is not None and err.status is not None and 400 <= err.status < 500:
            slot.clear()  # GitLab refused: nothing was committed, nothing to resolve later
        raise
    if slot is not None:
        slot.write(dataclasses.replace(intent, token_id=int(answer["id"])))
    return answer


def _intent(spec: TokenSpec, expires_at: dt.date, started: dt.datetime) -> journal.Intent:
    """What a create or rotate is about to ask GitLab for, as the journal records it."""
    return journal.Intent(
        started=started, scopes=tuple(sorted(spec.scopes)), access_level=spec.access_level_value,
        description=spec.description, expires_at=expires_at.isoformat(),
    )


def _resolve_prior(
    api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date, prior: journal.Intent, slot: journal.Slot
) -> dict[str, Any] | None:
    """Deal with the tokens a dead create may have left; GitLab's answer if one was adopted.

    Candidates are the unrevoked tokens with the name and the spec the dead
    create posted, made since it began. If the newest also fits what is
    wanted now it is adopted by rotation (fresh value, same bot, the orphan
    revoked); every other candidate is revoked.
    """
    since = prior.started - CLOCK_SKEW
    candidates = [t for t in _unheld(api.list_named(spec.name), slot) if _matches(t, prior, since)]
    candidates.sort(key=lambda t: int(t["id"]))
    answer: dict[str, Any] | None = None
    if candidates and _matches(candidates[-1], _intent(spec, expires_at, prior.started), since):
        newest = candidates.pop()
        # While the rotation is in flight the entry names no token, so a crash now
        # leaves it for the next create, which finds the rotated successor.
        slot.write(dataclasses.replace(prior, token_id=None))
        answer = rotate_token(api, token_id=int(newest["id"]), bot_user_id=integral(newest.get("user_id")),
                              name=spec.name, expires_at=expires_at, guard=slot)
    for orphan in candidates:
        api.revoke(int(orphan["id"]))
    if answer is None:
        slot.clear()
    return answer


def _create_token(
    api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date, started: dt.datetime, slot: journal.Slot | None
) -> dict[str, Any]:
    """The POST, with in-process recovery of lost answers (never taking a token ``slot``'s neighbours hold)."""
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
        mine = _created_by_this_attempt(api, spec, expires_at, since=since, at_most=lost, slot=slot)
        if mine:
            newest = mine[-1]
            answer = rotate_token(
                api,
                token_id=int(newest["id"]),
                bot_user_id=int(newest["user_id"]),
                name=spec.name,
                expires_at=expires_at,
                guard=slot,
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
        strays = [t for t in _created_by_this_attempt(api, spec, expires_at, since=since, at_most=lost + 1,
                                                      slot=slot)
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
    spec: TokenSpec | None = None,
    slot: journal.Slot | None = None,
    guard: journal.Slot | None = None,
) -> dict[str, Any]:
    """Rotate ``token_id`` to ``expires_at``; GitLab's answer for the new token, with ``token``.

    After a lost answer, tokens another slot than ``guard`` (default ``slot``)
    holds are never taken for the successor.

    ``self_token`` is the token's own value, when it has the ``self_rotate``
    scope. It is used only without an admin credential, and only once GitLab
    confirms it still authenticates (see :func:`_self_rotation`): rotating
    with a revoked value trips GitLab's reuse detection, which revokes the
    whole token family, while rotating a stale id answers a harmless 400.

    With a journal ``slot`` (and the token's ``spec``) the rotation is written
    down like a create, and an entry found there first is a run that died:

    * waiting for its answer: it died mid-rotation of this token. GitLab then
      answers "already revoked" to the first attempt, which is treated like a
      lost answer (the successor the dead run made is found by its bot user
      and rotated to a value we hold).
    * naming another token id: it died after its rotation was answered but
      before the engine saved it. If that token is alive for the same bot
      user, it is the one rotated (adopted); otherwise "already revoked" is
      again treated like a lost answer.

    If ``pulumi refresh`` ran first instead, the token shows as revoked, the
    next ``up`` replaces it, and the replacement's create adopts that
    successor from the same entry. A refusal (4xx) leaves the entry as it was
    found: nothing was committed, and what a dead run left is still unresolved.
    """
    prior = slot.read() if slot is not None and spec is not None else None
    current = token_id
    if prior is not None and prior.token_id is not None and prior.token_id != token_id:
        current = _live_successor(api, prior.token_id, bot_user_id, guard or slot) or token_id
    unsettled = prior is not None and (prior.token_id is None or current != token_id)
    self_token = _self_rotation(api, self_token, token_id=token_id, unsettled=unsettled, name=name)
    intent: journal.Intent | None = None
    if slot is not None and spec is not None:
        # Keep a dead run's unanswered entry as it is: it describes the successor to look for.
        intent = prior if prior is not None and prior.token_id is None else _intent(spec, expires_at, clock.now())
        if intent is not prior:
            slot.write(intent)
    try:
        answer = _rotate_token(api, token_id=current, bot_user_id=bot_user_id, name=name, expires_at=expires_at,
                               self_token=self_token, entry_found=prior is not None, guard=guard or slot)
    except GitLabTokenError as err:
        if slot is not None and intent is not None and err.status is not None and 400 <= err.status < 500:
            # GitLab refused: nothing was committed. Leave the slot as it was found.
            if prior is None:
                slot.clear()
            elif intent is not prior:
                slot.write(prior)
        raise
    if slot is not None and intent is not None:
        slot.write(dataclasses.replace(intent, token_id=int(answer["id"])))
    return answer


def _live_successor(
    api: AccessTokenApi, token_id: int, bot_user_id: int | None, guard: journal.Slot | None
) -> int | None:
    """``token_id`` if it is alive for ``bot_user_id`` and no other slot holds it (one GET), else ``None``."""
    if guard is not None and guard.held_elsewhere(token_id):
        return None
    found = api.get(token_id)
    if found is None or found.get("revoked") or found.get("active") is False:
        return None
    if bot_user_id is not None and integral(found.get("user_id")) != bot_user_id:
        return None
    return token_id


def _self_rotation(
    api: AccessTokenApi, self_token: str | None, *, token_id: int, unsettled: bool, name: str
) -> str | None:
    """The value to self-rotate with, or ``None`` to rotate by id with the admin credential.

    Rotating by id is preferred whenever an admin credential is configured: a
    stale id (the token was rotated or revoked outside Pulumi) then gets a
    harmless 400 "already revoked", where a stale value would trip GitLab's
    reuse detection and revoke the whole token family. Without one, the value
    is used only if GitLab confirms it still authenticates as this token
    (``GET /personal_access_tokens/self``, which has no reuse detection), and
    never when the journal shows a run that died mid-rotation.
    """
    if self_token is None or has_admin_credential():
        return None
    if unsettled:
        raise GitLabTokenError(
            f"A previous run died while rotating token {name!r}, so its value in the state may be revoked, and "
            f"self-rotating with a revoked value makes GitLab revoke the whole token family. Finding the "
            f"successor it left needs an admin credential: set gitlab:token, then run `pulumi up`."
        )
    found = api.self_information(self_token)
    if found is None or found.get("revoked") or found.get("active") is False or integral(found.get("id")) != token_id:
        raise GitLabTokenError(
            f"Token {name!r} (id {token_id}) no longer authenticates as itself: it was revoked, expired or "
            f"rotated outside this stack. Not self-rotating it, since a revoked value used to rotate makes "
            f"GitLab revoke the whole token family. Set gitlab:token, then run `pulumi refresh` and "
            f"`pulumi up` to replace it."
        )
    return self_token


def _rotate_token(
    api: AccessTokenApi,
    *,
    token_id: int,
    bot_user_id: int | None,
    name: str,
    expires_at: dt.date,
    self_token: str | None,
    entry_found: bool,
    guard: journal.Slot | None,
) -> dict[str, Any]:
    current = token_id
    for attempt in range(MAX_ATTEMPTS):
        try:
            if self_token is not None and current == token_id:
                return api.self_rotate(self_token, expires_at.isoformat())
            return api.rotate(current, expires_at.isoformat())
        except AnswerLost:
            pass
        except GitLabTokenError as err:
            # A retry racing a lost attempt that landed late, or a run that died
            # around a rotation (its journal entry was found): either rotated the
            # token, so look for its successor like after a lost answer.
            already_revoked = err.status == 400 and "already revoked" in (err.gitlab_message or "").lower()
            if not (already_revoked and (attempt or entry_found)):
                raise
        if self_token is not None and not has_admin_credential():
            raise GitLabTokenError(
                f"The answer to self-rotating token {name!r} on {api.route('POST', SELF_ROTATE_SUFFIX)} was lost, "
                f"and without an admin credential the provider cannot see whether GitLab rotated it (the old "
                f"token must not be used again: GitLab revokes the whole token family when a revoked token "
                f"tries to rotate). Set gitlab:token, run `pulumi refresh`, then `pulumi up`."
            )
        alive = [
            t
            for t in _unheld(api.list_named(name), guard)
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
    api: AccessTokenApi, spec: TokenSpec, expires_at: dt.date, *, since: dt.datetime, at_most: int,
    slot: journal.Slot | None = None,
) -> list[dict[str, Any]]:
    """Unrevoked tokens matching ``spec`` made since ``since`` and not held by another slot:
    the newest ``at_most``, oldest first."""
    wanted = _intent(spec, expires_at, since)
    matching = [t for t in _unheld(api.list_named(spec.name), slot) if _matches(t, wanted, since)]
    matching.sort(key=lambda t: int(t["id"]))
    return matching[-at_most:]


def _unheld(tokens: list[dict[str, Any]], slot: journal.Slot | None) -> list[dict[str, Any]]:
    """``tokens`` without those another slot of this process holds: they belong to other resources."""
    if slot is None:
        return tokens
    return [t for t in tokens if not slot.held_elsewhere(int(t["id"]))]


def _matches(token: dict[str, Any], intent: journal.Intent, since: dt.datetime) -> bool:
    """Unrevoked, with the fields ``intent`` asked for, and created since ``since`` (when GitLab says)."""
    if token.get("revoked") or token.get("id") is None:
        return False
    if set(token.get("scopes") or ()) != set(intent.scopes):
        return False
    level = token.get("access_level")
    if level is not None and int(level) != intent.access_level:
        return False
    if (token.get("description") or None) != intent.description:
        return False
    if stored_date(token.get("expires_at")) != stored_date(intent.expires_at):
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

"""Minting tokens when answers get lost or runs die, without orphans and without touching others' tokens.

A create or rotate POST whose answer is lost, or a run killed after GitLab committed, may leave a
live token nobody holds. Recovery finds such tokens by the ownership mark each POST attempt puts on
its token (:mod:`..rules.ownership`) and adopts or revokes only those the mark proves this stack and
resource made, within :data:`MAX_ATTEMPTS` attempts. docs/recovery.md says what it does in each
case, docs/ownership.md what the mark proves.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from ..client.gitlab_client import has_admin_credential, id_space
from ..client.gitlab_errors import AnswerLost
from ..common.errors import GitLabTokenError
from ..kinds.base import TokenKind
from ..rules import ownership
from ..rules.inputs import TokenSpec, integral
from ..rules.ownership import Mark, Owner
from .token_endpoints import TokenEndpoints

MAX_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.5


class TokenGone(GitLabTokenError):
    """The token to rotate no longer exists in GitLab (its project or group does)."""


def create_token(
    api: TokenEndpoints, spec: TokenSpec, expires_at: dt.date | None, owner: Owner
) -> tuple[dict[str, Any], list[str]]:
    """Create the token of the resource ``owner`` names; GitLab's answer with ``token``, and the
    marks of attempts that timed out and were not seen landing (to revoke later, see the module docstring).

    One POST when all goes well, plus the run's one listing of the parent.
    """
    ids = id_space(api.kind.id_table)
    adopted = _resolve_leftovers(api, spec, expires_at, owner, ids)
    if adopted is not None:
        return adopted, []
    used = {ownership.mark_of(t) for t in _LISTINGS.tokens(api, ids)}
    answer, unconfirmed = _create_token(api, spec, expires_at, owner, used)
    ownership.hold(ids, integral(answer.get("id")))
    return answer, unconfirmed


# --- what a dead run left ---------------------------------------------------------------------


class _ParentListings:
    """Each parent's tokens, listed once per process (a run) on first need."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._tokens: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

    def tokens(self, api: TokenEndpoints, ids: str) -> list[dict[str, Any]]:
        key = (ids, api.kind.type_token, api.route("list"))  # the route names every parent part
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # parallel creates in one parent share one listing
            if key not in self._tokens:
                try:
                    self._tokens[key] = api.kind.finding.every(api)
                except GitLabTokenError as err:
                    if err.status is None or not 400 <= err.status < 500:
                        raise
                    # Refused (a missing parent, a missing role): the POST that follows
                    # gets the same refusal, with the message that fits a create.
                    self._tokens[key] = []
            return self._tokens[key]

    def forget(self) -> None:
        with self._lock:
            self._tokens.clear()


_LISTINGS = _ParentListings()


def forget_listings() -> None:
    """Drop the cached parent listings (a new run; tests)."""
    _LISTINGS.forget()


def _resolve_leftovers(
    api: TokenEndpoints, spec: TokenSpec, expires_at: dt.date | None, owner: Owner, ids: str
) -> dict[str, Any] | None:
    """Adopt or revoke this resource's unheld tokens a dead run left; GitLab's answer if one was adopted.

    The listing was taken at the run's first create in the parent; tokens this
    process minted, adopted or revoked since are held, so never looked at twice.
    """
    listed = _LISTINGS.tokens(api, ids)
    copied = _copied_marks(api, listed)
    # Bot users of tokens the state holds: a live token of one that the state does not hold is the
    # successor of a rotation that died (then a refresh showed the held one revoked, hence this create).
    held_bots = {api.kind.holder.family(t) for t in listed if ownership.is_held(ids, t.get("id"))} - {None}

    def left_by_a_dead_run(token: dict[str, Any]) -> bool:
        if ownership.mark_of(token) in copied or ownership.is_held(ids, token.get("id")):
            return False
        if owner.awaited(token):
            return True
        return (ownership.is_live(token) and integral(token.get("user_id")) in held_bots
                and owner.claims(ownership.mark_of(token), str(token.get("name"))))

    leftovers = sorted((t for t in listed if left_by_a_dead_run(t)), key=lambda t: int(t["id"]))
    if not leftovers:
        return None
    for token in leftovers:
        ownership.hold(ids, int(token["id"]))
    answer: dict[str, Any] | None = None
    if api.kind.rotates and _fits(api.kind, _in_full(api, leftovers[-1], spec), spec):  # else no value to adopt
        newest = leftovers.pop()
        answer = rotate_token(api, token_id=int(newest["id"]), bot_user_id=integral(newest.get("user_id")),
                              name=spec.name, expires_at=expires_at, owner=owner)
        ownership.hold(ids, integral(answer.get("id")))
    for orphan in leftovers:
        api.revoke(int(orphan["id"]))
    return answer


def _copied_marks(api: TokenEndpoints, tokens: list[dict[str, Any]]) -> set[Mark]:
    """Marks GitLab lists on tokens of more than one bot user: one of them is a copy, so none proves anything.

    One POST attempt mints one token, and rotation keeps its bot user, so a
    mark this provider made is on one bot user's tokens only (revoked ones
    included, while GitLab still lists them).
    """
    users: dict[Mark, set[Any]] = {}
    for token in tokens:
        mark, family = ownership.mark_of(token), api.kind.holder.family(token)
        if isinstance(mark, Mark) and family is not None:
            users.setdefault(mark, set()).add(family)
    return {mark for mark, found in users.items() if len(found) > 1}


def _in_full(api: TokenEndpoints, token: dict[str, Any], spec: TokenSpec) -> dict[str, Any]:
    """``token`` with what one read adds, when its listing leaves out fields the create sends (a runner's
    settings): one GET, only then."""
    if all(key in token for key in spec.request):
        return token
    return {**(api.get(int(token["id"])) or {}), **token}


def _fits(kind: TokenKind, token: dict[str, Any], spec: TokenSpec) -> bool:
    """Whether ``token`` is what ``spec`` asks for, expiry aside (adoption rotates to the planned date)."""
    if token.get("name") != spec.name or set(token.get("scopes") or ()) != set(spec.scopes):
        return False
    level = integral(token.get("access_level"))
    if level is not None and spec.access_level_value is not None and level != spec.access_level_value:
        return False
    fields = {field.name: field for field in kind.inputs}
    for key, sent in spec.request.items():  # the rest of what the create sends, as the kind compares it
        if key not in ("name", "scopes", "access_level") and key in token \
                and fields[key].compare(token[key]) != fields[key].compare(sent):
            return False
    return ownership.user_description(token.get("description")) == spec.description


# --- a create and its lost answers -----------------------------------------------------------------


def _create_token(
    api: TokenEndpoints, spec: TokenSpec, expires_at: dt.date | None, owner: Owner, used: set[Any]
) -> tuple[dict[str, Any], list[str]]:
    """The POST, with in-process recovery of lost answers; the answer and the unconfirmed attempts.

    Each POST takes the next of the generation's marks that no token GitLab listed carries (``used``):
    a killed run's tokens may carry the first ones, and two tokens of one mark would read as a copy.
    """
    lost: list[Mark] = []
    in_flight: list[Mark] = []
    answer: dict[str, Any] | None = None
    marks = [m for m in owner.attempt_marks(spec.name) if m not in used][:MAX_ATTEMPTS]
    if not marks:
        raise GitLabTokenError(
            f"Not creating token {spec.name!r}: GitLab lists tokens with every one of the {ownership.ATTEMPTS} "
            f"ownership marks of this create (runs killed while creating it, again and again). Revoke the "
            f"tokens named {spec.name!r} that no stack holds, or rename the resource, then run `pulumi up`."
        )
    for attempt, mark in enumerate(marks):
        try:
            answer = api.create(
                **spec.request,
                expires_at=None if expires_at is None else expires_at.isoformat(),
                description=ownership.marked(spec.description, mark),
            )
            break
        except AnswerLost as err:
            lost.append(mark)
            if err.in_flight:
                in_flight.append(mark)
        ids = id_space(api.kind.id_table)
        named = api.list_named(spec.name)
        copied = _copied_marks(api, named)
        mine = [t for t in named if any(ownership.made_by(t, m) for m in lost)
                and ownership.mark_of(t) not in copied and not ownership.is_held(ids, t.get("id"))]
        if mine and not api.kind.rotates:
            # No rotation to get a value we hold: revoke what landed and post again.
            for orphan in mine:
                if ownership.is_live(orphan):
                    api.revoke(int(orphan["id"]))
            mine = []
        if mine:
            newest = max(mine, key=lambda t: int(t["id"]))
            answer = rotate_token(api, token_id=int(newest["id"]), bot_user_id=integral(newest.get("user_id")),
                                  name=spec.name, expires_at=expires_at, owner=owner)
            break
        # Nothing committed yet. A timed-out request may still be in flight,
        # so give it a moment to land before posting again.
        time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
    if answer is None:
        raise GitLabTokenError(
            f"Creating token {spec.name!r} on {api.route('create')} failed {len(marks)} times without an "
            f"answer, and GitLab lists no token from these attempts. Try again later: if one lands late, "
            f"the next `pulumi up` adopts or revokes it."
        )
    if not lost:
        return answer, []
    landed = _revoke_attempts(api, spec.name, lost, keep=answer)
    return answer, [m.text() for m in in_flight if m not in landed]


def _revoke_attempts(api: TokenEndpoints, name: str, attempts: list[Mark], *, keep: dict[str, Any]) -> set[Mark]:
    """Revoke every live token the ``attempts`` made except ``keep``'s family; the attempts seen in GitLab."""
    keep_id, keep_user = integral(keep.get("id")), integral(keep.get("user_id"))
    ids = id_space(api.kind.id_table)
    landed: set[Mark] = set()
    named = api.list_named(name)
    copied = _copied_marks(api, named)
    for token in named:
        mark = ownership.mark_of(token)
        if not isinstance(mark, Mark) or mark not in attempts or mark in copied:
            continue
        if ownership.is_held(ids, token.get("id")) and integral(token.get("id")) != keep_id:
            continue
        landed.add(mark)
        # A bot user's tokens are one family; a person's or service account's are not.
        same_family = keep_user is not None and api.kind.holder.family(token) == keep_user
        if ownership.is_live(token) and integral(token.get("id")) != keep_id and not same_family:
            api.revoke(int(token["id"]))
    return landed


def revoke_unconfirmed(api: TokenEndpoints, name: str, attempts: list[str], *, keep: dict[str, Any]) -> None:
    """Revoke what the timed-out ``attempts`` (mark texts from the state) made, if they landed since.

    One listing. ``keep`` is the token the state holds (its id and ``user_id``).
    """
    marks = [m for m in (ownership.parse(a)[1] for a in attempts) if isinstance(m, Mark)]
    if marks:
        _revoke_attempts(api, name, marks, keep=keep)


# --- rotation -----------------------------------------------------------------------------------


def rotate_token(
    api: TokenEndpoints,
    *,
    token_id: int,
    bot_user_id: int | None,
    name: str,
    expires_at: dt.date | None,
    self_token: str | None = None,
    owner: Owner | None = None,
) -> dict[str, Any]:
    """Rotate ``token_id`` to ``expires_at``; GitLab's answer for the new token, with ``token``.

    ``self_token`` is the token's own value, when it has the ``self_rotate``
    scope. It is used only without an admin credential, and only once GitLab
    confirms it still authenticates (see :func:`_self_rotation`): rotating
    with a revoked value trips GitLab's reuse detection, which revokes the
    whole token family, while rotating a stale id answers a harmless 400.

    When the answer is lost, or GitLab answers "already revoked" (a run died
    after its rotation committed), the successor is looked up (:func:`_family`).
    It is rotated in turn, so the value we return is one we hold.
    """
    self_token = _self_rotation(api, self_token, token_id=token_id, name=name)
    answer = _rotate_token(api, token_id=token_id, bot_user_id=bot_user_id, name=name, expires_at=expires_at,
                           self_token=self_token, owner=owner)
    ownership.hold(id_space(api.kind.id_table), integral(answer.get("id")))
    return answer


def _self_rotation(api: TokenEndpoints, self_token: str | None, *, token_id: int, name: str) -> str | None:
    """The value to self-rotate with, or ``None`` to rotate by id with the admin credential.

    Rotating by id is preferred whenever an admin credential is configured: a
    stale id (the token was rotated or revoked outside Pulumi) then gets a
    harmless 400 "already revoked", where a stale value would trip GitLab's
    reuse detection and revoke the whole token family. Without one, the value
    is used only if GitLab confirms it still authenticates as this token
    (``GET /personal_access_tokens/self``, which has no reuse detection).
    """
    if self_token is None or has_admin_credential():
        return None
    found = api.self_information(self_token)
    if found is None or found.get("revoked") or found.get("active") is False or integral(found.get("id")) != token_id:
        raise GitLabTokenError(
            f"Token {name!r} (id {token_id}) no longer authenticates as itself: it was revoked, expired or "
            f"rotated (outside this stack, or by a run that died). Not self-rotating it, since a revoked value "
            f"used to rotate makes GitLab revoke the whole token family. Set gitlab:token, then run "
            f"`pulumi up`: the provider finds the successor, if there is one, or replaces the token."
        )
    return self_token


def _rotate_token(
    api: TokenEndpoints,
    *,
    token_id: int,
    bot_user_id: int | None,
    name: str,
    expires_at: dt.date | None,
    self_token: str | None,
    owner: Owner | None,
) -> dict[str, Any]:
    current = token_id
    for attempt in range(MAX_ATTEMPTS):
        try:
            if self_token is not None and current == token_id:
                return api.self_rotate(self_token, _date_text(expires_at))
            return api.rotate(current, _date_text(expires_at))
        except AnswerLost:
            pass
        except GitLabTokenError as err:
            if self_token is None and err.status in (401, 404) and _is_gone(api, current):
                why = api.kind.holder.gone_reason(api.kind)
                raise TokenGone(
                    f"Token {name!r} (id {current}) no longer exists in GitLab: {why}, and rotation cannot bring "
                    f"it back. Run `pulumi refresh`, then `pulumi up` creates a new token"
                    f"{api.kind.holder.recreated}",
                    status=err.status, gitlab_message=err.gitlab_message,
                ) from None
            # A retry racing a lost attempt that landed late, or a run that died
            # after GitLab rotated: either way, look for the successor.
            already_revoked = err.status == 400 and "already revoked" in (err.gitlab_message or "").lower()
            if not already_revoked or (bot_user_id is None and not attempt):
                raise
            successor = _successor(api, name, bot_user_id, owner)
            if successor is None and not attempt:
                raise
            if successor is not None:
                current = int(successor["id"])
                continue
        if self_token is not None and not has_admin_credential():
            raise GitLabTokenError(
                f"The answer to self-rotating token {name!r} on {api.route('self_rotate')} was lost, "
                f"and without an admin credential the provider cannot see whether GitLab rotated it (the old "
                f"token must not be used again: GitLab revokes the whole token family when a revoked token "
                f"tries to rotate). Set gitlab:token, run `pulumi refresh`, then `pulumi up`."
            )
        alive = _family(api, name, bot_user_id, owner)
        if any(int(t["id"]) == current for t in alive):
            continue  # not committed: the same token is still there to rotate
        if not alive:
            raise GitLabTokenError(
                f"The answer to rotating token {name!r} (id {current}) was lost, and GitLab now lists no "
                f"unrevoked token for its bot user. Run `pulumi refresh`, then `pulumi up` to replace it."
            )
        newest = max(alive, key=lambda t: int(t["id"]))
        if bot_user_id is None:
            bot_user_id = integral(newest.get("user_id"))
        current = int(newest["id"])  # committed: rotate the new token to get a value we hold
    raise GitLabTokenError(
        f"Rotating token {name!r} failed {MAX_ATTEMPTS} times without an answer; the state still names "
        f"token id {token_id}. Run `pulumi refresh`, then `pulumi up` again."
    )


def _date_text(expires_at: dt.date | None) -> str | None:
    """The rotate route's ``expires_at``: none for a kind GitLab keeps no expiry for."""
    return None if expires_at is None else expires_at.isoformat()


def _is_gone(api: TokenEndpoints, token_id: int) -> bool:
    """Whether GitLab says ``token_id`` does not exist (its project or group answering).

    Asked after a rotate's 401 or 404, which do not say; when the GET fails too
    (a bad credential, a missing project), the rotate's own error is the one to report.
    """
    try:
        return api.get(token_id) is None
    except GitLabTokenError:
        return False


def _family(api: TokenEndpoints, name: str, bot_user_id: int | None, owner: Owner | None) -> list[dict[str, Any]]:
    """The unrevoked tokens named ``name`` of the user (all users when unknown) that ``owner`` may take.

    A bot user of the state's token is proof enough: GitLab mints tokens for
    an existing bot user only by rotating its token, so each of them descends
    from the state's (an adopted or unmarked one included). For a user that
    is not the token's own (a person, a service account), the token must
    also carry this owner's mark, or a first-format mark of the same names
    (tokens the state held before the keyed mark). Without a known user,
    only a keyed mark of this owner proves anything.
    """
    found = []
    for token in api.list_named(name):
        if not ownership.is_live(token):
            continue
        mark = ownership.mark_of(token)
        if bot_user_id is not None:
            if not api.kind.holder.same_family(token, bot_user_id,
                                               lambda: owner is not None and owner.claims(mark, name)):
                continue
        elif owner is None or not owner.minted(mark, name):
            continue
        found.append(token)
    return found


def _successor(api: TokenEndpoints, name: str, bot_user_id: int | None, owner: Owner | None) -> dict[str, Any] | None:
    """The newest live token of the bot user's family, if a rotation made one."""
    alive = _family(api, name, bot_user_id, owner)
    return max(alive, key=lambda t: int(t["id"])) if alive else None

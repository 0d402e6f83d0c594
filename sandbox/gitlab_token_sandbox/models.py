"""The token model: GitLab's services for access tokens, with no HTTP in them.

Like moto's ``models.py``, this is where the behaviour lives; ``responses.py``
reads parameters and renders entities, ``urls.py`` routes. Each function is
one GitLab service and says which; each rule is in one place, so the module
can be read as a specification of GitLab's token behaviour (18.x profile):

- :func:`create_resource_token` - ``ResourceAccessTokens::CreateService``
- :func:`create_personal_token` - ``PersonalAccessTokens::CreateService`` (admin API)
- :func:`rotate` - ``PersonalAccessTokens::RotateService`` (and the resource-token checks before it)
- :func:`revoke_resource_token` - ``ResourceAccessTokens::RevokeService``
- :func:`list_resource_tokens` - ``PersonalAccessTokensFinder`` with the API's filters and sorts

Every function runs inside the caller's store transaction and raises
:class:`~.errors.ApiError` with GitLab's status and message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Iterator

from . import errors, permissions, rules
from .clock import format_datetime
from .context import Context
from .params import numeric_id
from .permissions import Resource
from .search import fuzzy_where
from .tokens import digest, new_token_value

#: The list endpoint's ``sort`` values, as SQL.
SORTS = {
    "created_asc": "t.created_at ASC, t.id ASC",
    "created_desc": "t.created_at DESC, t.id DESC",
    # Sortable orders by arel's lower(name). GitLab sets no tie-breaker; id keeps pages stable.
    "name_asc": "lower(t.name) ASC, t.id ASC",
    "name_desc": "lower(t.name) DESC, t.id DESC",
    # PersonalAccessToken.simple_sorts maps these to order_*_id_desc: ties by id DESC either way.
    # PostgreSQL puts NULLs last when ascending and first when descending; SQLite does not.
    "expires_asc": "t.expires_at IS NULL, t.expires_at ASC, t.id DESC",
    "expires_desc": "t.expires_at IS NULL DESC, t.expires_at DESC, t.id DESC",
    "last_used_asc": "t.last_used_at IS NULL, t.last_used_at ASC, t.id DESC",
    "last_used_desc": "t.last_used_at IS NULL DESC, t.last_used_at DESC, t.id DESC",
}


@dataclass(frozen=True)
class TokenFilters:
    """The list endpoint's filters (``PersonalAccessTokensHelpers#access_token_params``)."""

    state: str | None = None
    revoked: bool | None = None
    created_before: dt.datetime | None = None
    created_after: dt.datetime | None = None
    last_used_before: dt.datetime | None = None
    last_used_after: dt.datetime | None = None
    expires_before: dt.date | None = None
    expires_after: dt.date | None = None
    search: str | None = None
    sort: str | None = None


# --- rules shared by every way of minting a token -------------------------------------

def default_lifetime(ctx: Context) -> dt.timedelta:
    """``expires_at`` when omitted on create: the maximum lifetime (365 days by default)."""
    return dt.timedelta(days=ctx.config.max_lifetime_days)


def validate_new_token(ctx: Context, name: str, description: str | None, scopes: list[str],
                       expires_at: dt.date | None) -> None:
    """The ``PersonalAccessToken`` model validations, as one ``400 Bad request - ...``."""
    problems = new_token_problems(ctx, name, description, scopes, expires_at)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))


def new_token_problems(ctx: Context, name: str, description: str | None, scopes: list[str],
                       expires_at: dt.date | None) -> list[str]:
    """The ``PersonalAccessToken`` model's validation messages for a new token (empty when valid)."""
    problems = []
    if not name.strip():
        problems.append("Name can't be blank")
    elif len(name) > rules.NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {rules.NAME_MAX_LENGTH} characters)")
    if not scopes:
        problems.append("Scopes can't be blank")
    if description is not None and len(description) > rules.DESCRIPTION_MAX_LENGTH:
        problems.append(f"Description is too long (maximum is {rules.DESCRIPTION_MAX_LENGTH} characters)")
    problems += _lifetime_problems(ctx, expires_at)
    return problems


def latest_expiry(ctx: Context) -> dt.date:
    """``expires_at_before_instance_max_expiry_date``: the latest date a new token may expire on."""
    return ctx.today() + dt.timedelta(days=ctx.config.max_lifetime_days)


def _lifetime_problems(ctx: Context, expires_at: dt.date | None) -> list[str]:
    """The maximum-lifetime validation GitLab runs whenever a token is created (rotation too)."""
    latest = latest_expiry(ctx)
    if expires_at is not None and expires_at > latest:
        return [f"Expires at must be before {latest.isoformat()}"]
    return []


def mint(ctx: Context, *, user_id: int, name: str, description: str | None, scopes: list[str],
         expires_at: dt.date, previous_token_id: int | None = None, impersonation: bool = False
         ) -> tuple[sqlite3.Row, str]:
    """Store a new token for ``user_id``; the secret is returned once and only its digest is kept."""
    secret = new_token_value(user_id)
    token_id = ctx.store.create_token(user_id=user_id, name=name, description=description, scopes=scopes,
                                      digest=digest(secret), created_at=ctx.now_text(),
                                      expires_at=expires_at.isoformat(), previous_token_id=previous_token_id,
                                      impersonation=impersonation)
    if expires_at <= ctx.today():
        ctx.retention_swept = None  # born inactive, maybe long ago: see :func:`api_writes_keep_sweep`
    return ctx.store.token(token_id), secret


# --- services --------------------------------------------------------------------------

def create_personal_token(ctx: Context, user: sqlite3.Row, name: str, description: str | None,
                          scopes: list[str], expires_at: dt.date | None) -> tuple[sqlite3.Row, str]:
    """``PersonalAccessTokens::CreateService`` for ``user``, as the admin API calls it."""
    expiry = expires_at or ctx.today() + default_lifetime(ctx)
    validate_new_token(ctx, name, description, scopes, expiry)
    return mint(ctx, user_id=user["id"], name=name, description=description, scopes=scopes, expires_at=expiry)


def create_resource_token(ctx: Context, caller: sqlite3.Row, resource: Resource, *, name: str,
                          description: str | None, scopes: list[str], expires_at: dt.date | None,
                          access_level: int | None, host: str, expires_at_sent: bool = True
                          ) -> tuple[sqlite3.Row, str]:
    """``ResourceAccessTokens::CreateService``: permission, level, then a bot member holding the token.

    Where the profile requires an expiry, GitLab's ``validate_expires_at_field`` asks only whether the
    request has the key (``params.key?(:expires_at)``, 18.10.3 and 18.11.3): a ``null`` or ``""`` passes
    and, like an omitted date before 18.7, takes the maximum lifetime (``pat_expiration``).
    """
    store, kind = ctx.store, resource.kind
    if not permissions.can_manage_tokens(store, caller, resource):
        raise errors.bad_request(f"User does not have permission to create {kind} access token")
    level = access_level if access_level is not None else rules.DEFAULT_TOKEN_ACCESS_LEVEL
    caller_level = permissions.access_level(store, caller, resource)
    profile = ctx.config.profile
    if kind == "project" and level == rules.OWNER and caller_level < rules.OWNER:
        raise errors.bad_request(profile.owner_provision_message)
    if not rules.access_level_encompasses(caller_level, level):
        raise errors.bad_request(profile.create_level_message)
    if not expires_at_sent and profile.expires_at_required:
        raise errors.bad_request("expires_at is missing")
    expiry = expires_at or ctx.today() + default_lifetime(ctx)
    validate_new_token(ctx, name, description, scopes, expiry)
    now = ctx.now_text()
    # Gitlab::Utils::UsernameAndEmailGenerator: "{project|group}_{id}_bot_{32 hex}" @noreply.<host>.
    username = f"{kind}_{resource.id}_bot_{secrets.token_hex(16)}"
    bot_id = store.create_user(username=username, name=name, email=f"{username}@noreply.{host}",
                               bot_resource_type=kind, bot_resource_id=resource.id, created_at=now)
    store.add_member(kind, resource.id, bot_id, level, now)
    return mint(ctx, user_id=bot_id, name=name, description=description, scopes=scopes, expires_at=expiry)


def rotate(ctx: Context, old: sqlite3.Row, expires_at: dt.date | None) -> tuple[sqlite3.Row, str]:
    """``PersonalAccessTokens::RotateService``: revoke ``old``, mint its successor for the same user.

    ``create_token_params`` copies ``impersonation``: an impersonation token's successor is one too.
    """
    if old["revoked"]:
        raise errors.bad_request("Token already revoked")
    expiry = expires_at or ctx.today() + dt.timedelta(days=rules.ROTATION_DEFAULT_DAYS)
    problems = _lifetime_problems(ctx, expiry)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))
    ctx.store.revoke_token(old["id"], ctx.now_text())
    return mint(ctx, user_id=old["user_id"], name=old["name"], description=old["description"],
                scopes=json.loads(old["scopes"]), expires_at=expiry, previous_token_id=old["id"],
                impersonation=bool(old["impersonation"]))


def rotate_resource_token(ctx: Context, caller: sqlite3.Row, resource: Resource, ident: str,
                          expires_at: dt.date | None) -> tuple[sqlite3.Row, str]:
    """The rotate endpoint's checks (``{Project,Group}AccessTokens::RotateService``), then :func:`rotate`."""
    store = ctx.store
    allowed = permissions.can_manage_tokens(store, caller, resource)
    token = find_resource_token(ctx, resource, ident) if allowed else None
    if token is None:
        # GitLab does not tell a non-admin whether the token exists.
        raise errors.not_found() if permissions.is_admin(caller) else errors.unauthorized()
    # RotateService#execute checks token.revoked? before the caller's level.
    if token["revoked"]:
        raise errors.bad_request("Token already revoked")
    if not permissions.is_admin(caller):
        bot_member = store.member(resource.kind, resource.id, token["user_id"])
        bot_level = bot_member["access_level"] if bot_member is not None else rules.OWNER
        if not rules.access_level_encompasses(permissions.access_level(store, caller, resource), bot_level):
            raise errors.bad_request(ctx.config.profile.rotate_level_message)
    return rotate(ctx, token, expires_at)


def revoke_resource_token(ctx: Context, caller: sqlite3.Row, resource: Resource, ident: str) -> None:
    """``ResourceAccessTokens::RevokeService`` (17.9+): revoke the token; the bot and its membership stay."""
    store = ctx.store
    token = find_resource_token(ctx, resource, ident)
    if token is None:
        raise token_not_found(ctx, resource.kind, ident)
    bot = store.user(token["user_id"])
    if not permissions.can_read_tokens(store, caller, resource):
        raise errors.bad_request(f"{caller['name']} cannot delete {bot['name']}")
    if store.member(resource.kind, resource.id, bot["id"]) is None:
        raise errors.bad_request("Failed to find bot user")
    store.revoke_token(token["id"], ctx.now_text())  # idempotent: revoking a revoked token succeeds


def delete_inactive_families(ctx: Context) -> list[int]:
    """``ResourceAccessTokens::InactiveTokensDeletionCronWorker``: the ids of the bots it deleted.

    A family (one bot and every token rotated from its first) is deleted, bot
    user included, once none of its tokens is active and the last one became
    inactive at least ``--inactive-token-retention-days`` ago. GitLab runs this
    as a cron job; the sandbox runs it before every request, so moving the
    clock is enough to see it happen.

    What it deletes depends only on the database and today's date, so when
    neither changed since the last sweep there is nothing new to find and the
    scan of every bot and token is skipped: a run of reads sweeps once.
    """
    days = ctx.config.inactive_token_retention_days
    if days is None:
        return []
    today = ctx.today()
    if ctx.retention_swept == (today, ctx.store.changes()):
        return []
    cutoff = (today - dt.timedelta(days=days)).isoformat()
    deleted = []
    for bot in ctx.store.bots_without_active_tokens(today.isoformat()):
        if bot["inactive_since"] is not None and bot["inactive_since"] <= cutoff:
            ctx.store.delete_bot(bot["id"])
            deleted.append(int(bot["id"]))
    ctx.retention_swept = (today, ctx.store.changes())
    return deleted


@contextlib.contextmanager
def api_writes_keep_sweep(ctx: Context) -> Iterator[None]:
    """Around an API request's handler, inside its transaction: its writes leave the last sweep valid.

    A family is deleted once it has been inactive for a whole retention
    period (one day or more). What an API request writes happens now: a token
    it revokes becomes inactive today, a token it mints is active, a user it
    deletes takes its family with it. So if nothing changed since the last
    sweep when the handler started, nothing the handler wrote can pass the
    cutoff before the date changes, and :func:`delete_inactive_families`
    need not scan again after it: a destroy's run of revocations scans once,
    not once per token. The one exception, a token minted already expired
    (``expires_at`` today or earlier), clears the sweep in :func:`mint`.
    Writes made any other way (the sandbox controls, authentication's own)
    still make the next request sweep.
    """
    swept = ctx.retention_swept
    holds = swept is not None and swept[1] == ctx.store.changes()
    yield
    if holds and swept is not None and ctx.retention_swept is swept:
        ctx.retention_swept = (swept[0], ctx.store.changes())


def find_resource_token(ctx: Context, resource: Resource, ident: str) -> sqlite3.Row | None:
    """A token whose bot belongs to ``resource`` (revoked and expired ones included)."""
    number = numeric_id(ident)
    if number is None:
        return None  # "self" and garbage are looked up as ids too, and never match
    token = ctx.store.token(number)
    if token is None:
        return None
    bot = ctx.store.user(token["user_id"])
    if bot is None or bot["bot_resource_type"] != resource.kind or bot["bot_resource_id"] != resource.id:
        return None
    return token


def token_not_found(ctx: Context, kind: str, ident: str) -> errors.ApiError:
    """The get and revoke endpoints' 404, in the profile's wording."""
    return errors.not_found(ctx.config.profile.token_not_found(kind, ident))


def list_resource_tokens(ctx: Context, resource: Resource, filters: TokenFilters) -> list[sqlite3.Row]:
    """Every token of ``resource``'s bots that passes ``filters``, in the requested order (default: id)."""
    where, args = token_filter_sql(ctx, filters)
    return ctx.store.resource_tokens(resource.kind, resource.id, "".join(f" AND {w}" for w in where), args,
                                     SORTS.get(filters.sort or "", "t.id"))


def token_filter_sql(ctx: Context, filters: TokenFilters) -> tuple[list[str], list[object]]:
    """``PersonalAccessTokensFinder``'s filters as SQL conditions on ``t`` (tokens), with their arguments."""
    today = ctx.today().isoformat()
    where: list[str] = []
    args: list[object] = []
    if filters.state == "active":
        where.append("t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)")
        args.append(today)
    elif filters.state == "inactive":
        where.append("(t.revoked = 1 OR t.expires_at <= ?)")
        args.append(today)
    if filters.revoked is not None:
        where.append("t.revoked = ?")
        args.append(int(filters.revoked))
    for column, op, value in (("created_at", "<=", filters.created_before),
                              ("created_at", ">=", filters.created_after),
                              ("last_used_at", "<=", filters.last_used_before),
                              ("last_used_at", ">=", filters.last_used_after)):
        if value is not None:
            where.append(f"t.{column} {op} ?")
            args.append(format_datetime(value))
    for op, day in (("<", filters.expires_before), (">=", filters.expires_after)):
        if day is not None:
            where.append(f"t.expires_at {op} ?")
            args.append(day.isoformat())
    matcher = fuzzy_where("t.name", filters.search) if filters.search else None
    if matcher is not None:
        where.append(matcher[0])
        args.extend(matcher[1])
    return where, args

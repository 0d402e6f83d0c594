"""The dynamic resource providers: the whole lifecycle of a project or group access token.

The classes live in this importable module so that dill pickles them *by
reference*: ``__provider`` in the state is a few dozen bytes naming the class,
and refresh and delete run the installed code, not a snapshot. Instances hold
only which stack and resource they serve (for the ownership mark, see
:mod:`.ownership`); settings and the credential live in :mod:`.gitlab_api`,
per process.

API calls per operation when nothing goes wrong: ``check`` 0 (for a token
about to be created, the preview checks' GETs, once per process per credential
and per project or group), ``diff`` 0, ``create`` 1 POST (plus one listing per
project or group per run, shared by every create there, to find what a dead run
left), ``read`` 1 GET,
``update`` 1 POST (rotate) or none (a token GitLab deleted: the rotate, one
GET, then a create), ``delete`` 1 DELETE.

Ids. The resource id is ``"<project or group as given>:<token id>"``,
pulumi-gitlab's import id, taken at creation. Rotation gives the token a new
id, but a dynamic provider cannot change a resource's id after creation
(``UpdateResult`` has no id), so the id keeps naming the *first* token of the
family. The ``token_id`` output always holds the current one, and every API
call uses it (the fix for terraform-provider-gitlab's #6271).
"""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from typing import Any, Callable, ClassVar, Mapping, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import catalogue, clock, gitlab_api, kinds, ownership, preview_checks, recovery
from .errors import GitLabTokenError, register_secret, scrub
from .inputs import (
    TokenSpec,
    check_inputs,
    input_keys,
    integral,
    is_unknown,
    parse_rotation_lenient,
    past_expiry,
    previous_token,
    stored_date,
)
from .kinds import TokenKind
from .rotation import Action, WantedExpiry, decide

PROVIDER_KEY = "__provider"
#: Output naming create attempts that timed out and were not seen landing (see :mod:`.recovery`).
UNCONFIRMED_KEY = "unconfirmed_attempts"
SELF_ROTATE_SCOPE = "self_rotate"

F = TypeVar("F", bound=Callable[..., Any])


def _reported(operation: str) -> Callable[[F], F]:
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


class AccessTokenProvider(ResourceProvider):
    """Shared lifecycle of a resource access token; subclasses fix the :class:`TokenKind`."""

    kind: ClassVar[TokenKind]
    #: ``"<organization>/<project>/<stack>"`` of the program that declared the
    #: resource, named in the ownership mark of every token it mints. Pickled
    #: with the instance (a few bytes, no secret); ``None`` for states written before it.
    owner: str | None = None
    #: The declaring resource's type and name (URN-like, see
    #: ``resources._identity``): two resources of one stack whose tokens share a
    #: name get different marks. ``None`` for states written before it.
    resource: str | None = None

    def __init__(self, owner: str | None = None, resource: str | None = None) -> None:
        super().__init__()
        if owner is not None:
            self.owner = owner
        if resource is not None:
            self.resource = resource

    # --- configuration ---------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Read ``gitlab:*`` stack config (env fallbacks) into the process-wide settings.

        The engine configures one instance per distinct ``__provider``, which
        names its resource, so this runs once per resource: it only reads a few
        keys, and :func:`gitlab_api.configure` keeps the shared client while the
        settings are unchanged.
        """
        gitlab_api.configure(gitlab_api.settings_from_config(req.config.get))

    # --- check -----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise inputs and plan the expiry date. Never raises.

        No API call, except for a token about to be created (a new resource, or
        one whose inputs force a replacement): then, unless turned off, the
        :mod:`.preview_checks` ask GitLab whether the create would be allowed.
        """
        try:
            settings = gitlab_api.current_settings()
            inputs, failures = check_inputs(
                self.kind, _olds, news, clock.today(), settings.max_lifetime_days
            )
        except Exception as err:  # a bad setting or clock override; report, don't crash the preview
            message = err.message if isinstance(err, GitLabTokenError) else scrub(str(err))
            return CheckResult({}, [CheckFailure(self.kind.parent, message)])
        if not failures:
            failures = self._replacement_past_expiry(_olds, inputs)
        if not failures and settings.preview_checks and (not _olds or self._replacing_changes(_olds, inputs)):
            try:
                failures = preview_checks.failures(self.kind, inputs)
            except Exception as err:
                failures = [CheckFailure("", preview_checks.describe_failure(err))]
        return CheckResult(inputs, failures)

    def _replacing_changes(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[str]:
        """The inputs whose change replaces the token, as ``diff`` will find them."""
        return [k for k in self._replace_keys() if _differs(k, olds.get(k), inputs.get(k))]

    def _replacement_past_expiry(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """A replacement would create a token with the kept fixed date: report a date already past.

        ``check_inputs`` does not re-validate a fixed date already applied, so an
        expired token keeps previewing cleanly; but when a replacing input changed,
        that date is sent to GitLab again, for a token dead on arrival.
        """
        if not olds or inputs.get("rotation_configuration") is not None:
            return []
        fixed = stored_date(inputs.get("expires_at"))
        changed = self._replacing_changes(olds, inputs)
        past = past_expiry(fixed, clock.today()) if fixed is not None and changed else None
        if past is None:
            return []
        return [CheckFailure("expires_at", f"{past}; changing {', '.join(changed)} replaces the token with one "
                                           f"that would get this date")]

    # --- diff ------------------------------------------------------------------------

    @_reported("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare old outputs with new checked inputs; no API call.

        Replaces on a new parent, name, description, scopes (as a set) or
        access level, and when a still-needed token was revoked; rotates
        in place when the planned expiry differs from the current one.
        """
        self._hold(_id, olds)
        replaces = self._replacing_changes(olds, news)
        changed = bool(replaces)
        planned = news.get("expires_at")
        if is_unknown(planned) or is_unknown(news.get("rotation_configuration")):
            changed = True
        else:
            decision = decide(previous_token(olds), _wanted(news), clock.today())
            if decision.action is Action.REPLACE:
                replaces.append("revoked")
            changed = changed or decision.action in (Action.ROTATE, Action.REPLACE)
        for key in ("rotation_configuration", "validate_past_expiration_date"):
            if _plain(olds.get(key)) != _plain(news.get(key)):
                changed = True
        if olds.get(UNCONFIRMED_KEY):
            changed = True  # the update revokes what a timed-out create attempt made, if it landed
        return DiffResult(changes=changed, replaces=replaces or None, delete_before_replace=False)

    def _replace_keys(self) -> tuple[str, ...]:
        return (self.kind.parent, "name", "description", "scopes", "access_level")

    # --- create ----------------------------------------------------------------------

    @_reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST. Returns id ``"<parent>:<token id>"`` and the outputs, ``token`` included."""
        spec = TokenSpec.from_checked(self.kind, props)
        outs = self._create_token(spec, props)
        return CreateResult(f"{spec.parent}:{outs['token_id']}", outs)

    def _create_token(self, spec: TokenSpec, props: Mapping[str, Any]) -> dict[str, Any]:
        """Mint the token ``spec`` describes (recovering lost answers); the outputs."""
        expires_at = _planned_expiry(spec)
        # A replacement keeps the date applied to the old token, which may have
        # passed; GitLab would mint a token that is already expired.
        past = past_expiry(expires_at, clock.today())
        if past is not None:
            raise GitLabTokenError(f"Not creating token {spec.name!r}: {past}.")
        api = gitlab_api.AccessTokenApi(self.kind, spec.parent)
        answer, unconfirmed = recovery.create_token(api, spec, expires_at, self._owner_digest())
        outs = self._outputs(props, answer, token=answer.get("token"))
        if unconfirmed:
            outs[UNCONFIRMED_KEY] = unconfirmed
        return outs

    # --- read ------------------------------------------------------------------------

    @_reported("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. Keeps ``token`` (GitLab never returns it again); a deleted token leaves the state.

        After a create whose timed-out attempts were not seen landing, one
        listing more revokes what they made since.
        """
        parent, token_id = self._locate(id_, props)
        self._hold(id_, props)
        api = gitlab_api.AccessTokenApi(self.kind, parent)
        answer = api.get(token_id)
        if answer is None:
            return ReadResult(None, {})
        self._revoke_unconfirmed(api, props, answer)
        current = {k: v for k, v in props.items() if k not in (PROVIDER_KEY, UNCONFIRMED_KEY)}
        current.setdefault(self.kind.parent, parent)
        return ReadResult(id_, self._outputs(current, answer, token=props.get("token")))

    # --- update ----------------------------------------------------------------------

    @_reported("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Rotate in place to the expiry planned at preview, or record input changes that need no call.

        A token GitLab deleted (its retention window passed, see :class:`.recovery.TokenGone`)
        cannot be rotated: a new token is created instead, with a new bot user, as a
        replacement would. The resource id keeps naming the first token, as after any rotation.
        """
        spec = TokenSpec.from_checked(self.kind, news)
        self._hold(id_, olds)
        parent, token_id = self._locate(id_, olds)
        api = gitlab_api.AccessTokenApi(self.kind, parent)
        self._revoke_unconfirmed(api, olds, {"id": token_id, "user_id": olds.get("user_id")})
        decision = decide(previous_token(olds), _wanted(news), clock.today())
        if decision.action is Action.REPLACE:
            raise GitLabTokenError(
                f"token {spec.name!r} was revoked outside Pulumi and must be replaced, not updated; "
                f"run `pulumi up` again"
            )
        if decision.action is not Action.ROTATE:
            kept = {k: v for k, v in olds.items()
                    if k not in (PROVIDER_KEY, UNCONFIRMED_KEY) and k not in input_keys(self.kind)}
            kept.update({k: v for k, v in news.items() if k in input_keys(self.kind)})
            return UpdateResult(kept)
        # The planned date from check, never the clock: preview and update agree.
        expires_at = _planned_expiry(spec)
        try:
            answer = recovery.rotate_token(
                api,
                token_id=token_id,
                bot_user_id=integral(olds.get("user_id")),
                name=str(olds.get("name") or spec.name),
                expires_at=expires_at,
                self_token=_self_rotation_token(olds),
                owner=self._owner_digest(),
            )
        except recovery.TokenGone:
            return UpdateResult(self._create_token(spec, news))
        return UpdateResult(self._outputs(news, answer, token=answer.get("token")))

    # --- delete ----------------------------------------------------------------------

    @_reported("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE (revoke). An already revoked or missing token counts as revoked."""
        parent, token_id = self._locate(id_, props)
        self._hold(id_, props)
        gitlab_api.AccessTokenApi(self.kind, parent).revoke(token_id)

    # --- helpers ---------------------------------------------------------------------

    def _owner_digest(self) -> str:
        """The owner part of this resource's ownership mark (see :mod:`.ownership`)."""
        return ownership.owner_digest(self.owner, self.resource)

    def _hold(self, id_: str, props: Mapping[str, Any]) -> None:
        """The engine holds this token in its state: no recovery in this process may take it."""
        try:
            ownership.hold(gitlab_api.current_settings().base_url, self._locate(id_, props)[1])
        except GitLabTokenError:
            pass  # an unreadable id fails the operation itself, with its own message

    def _revoke_unconfirmed(self, api: gitlab_api.AccessTokenApi, props: Mapping[str, Any],
                            held: Mapping[str, Any]) -> None:
        """Revoke tokens that timed-out create attempts named in the state made after the create ended."""
        attempts = props.get(UNCONFIRMED_KEY)
        name = props.get("name")
        if isinstance(attempts, (list, tuple)) and attempts and isinstance(name, str):
            recovery.revoke_unconfirmed(api, name, [str(a) for a in attempts], keep=dict(held))

    def _locate(self, id_: str, props: Mapping[str, Any]) -> tuple[str, int]:
        """The parent and the *current* token id: the ``token_id`` output, else the id's suffix."""
        parent_part, _, id_part = (id_ or "").rpartition(":")
        parent = props.get(self.kind.parent) or parent_part
        token_id = integral(props.get("token_id"))
        if token_id is None and id_part.isdigit():
            token_id = int(id_part)
        if not parent or token_id is None:
            raise GitLabTokenError(
                f"cannot tell which token {id_!r} is: expected an id like '<{self.kind.parent}>:<token id>'"
            )
        return str(parent), token_id

    def _outputs(
        self, inputs: Mapping[str, Any], answer: Mapping[str, Any], *, token: Any
    ) -> dict[str, Any]:
        """Echo the inputs, then add what GitLab said about the token."""
        outs = {k: v for k, v in inputs.items() if k in input_keys(self.kind) and v is not None}
        level = integral(answer.get("access_level"))
        outs.update(
            token=token,
            token_id=int(answer["id"]),
            user_id=integral(answer.get("user_id")),
            active=bool(answer.get("active")),
            revoked=bool(answer.get("revoked")),
            created_at=answer.get("created_at"),
            expires_at=answer.get("expires_at"),
            name=answer.get("name", outs.get("name")),
            scopes=list(answer.get("scopes") or outs.get("scopes") or []),
            description=ownership.user_description(answer.get("description")),
        )
        if level in catalogue.ACCESS_LEVEL_NAMES:
            outs["access_level"] = catalogue.ACCESS_LEVEL_NAMES[level]
        return outs


class ProjectAccessTokenProvider(AccessTokenProvider):
    """Provider of :class:`~pulumi_gitlab_tokens.ProjectAccessToken`."""

    kind = kinds.PROJECT


class GroupAccessTokenProvider(AccessTokenProvider):
    """Provider of :class:`~pulumi_gitlab_tokens.GroupAccessToken`."""

    kind = kinds.GROUP


# --- comparisons -----------------------------------------------------------------------


def _differs(key: str, old: Any, new: Any) -> bool:
    if is_unknown(new):
        return True
    if key == "scopes":
        return _scope_set(old) != _scope_set(new)
    if key == "access_level":
        return _level(old) != _level(new)
    if key == "description":
        return (old or None) != (new or None)
    return _plain(old) != _plain(new)


def _scope_set(value: Any) -> frozenset[str] | None:
    if not isinstance(value, (list, tuple)):
        return None
    return frozenset(str(s).strip().lower() for s in value)


def _level(value: Any) -> int | None:
    number = integral(value)
    try:
        return catalogue.access_level_value(number if number is not None else value)
    except (ValueError, TypeError):
        return None


def _plain(value: Any) -> Any:
    """Numbers as Pulumi sends them (floats) compare equal to ints; strings as they are."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    number = integral(value)
    return number if number is not None else value


def _wanted(news: Mapping[str, Any]) -> WantedExpiry:
    return WantedExpiry(
        expires_at=stored_date(news.get("expires_at")),
        rotation=parse_rotation_lenient(news.get("rotation_configuration")),
    )


def _planned_expiry(spec: TokenSpec) -> dt.date:
    """The date ``check`` planned; planned now only if ``check`` never ran (direct use)."""
    if spec.expires_at is not None:
        return spec.expires_at
    planned = decide(None, WantedExpiry(None, spec.rotation), clock.today()).expires_at
    if planned is None:
        raise GitLabTokenError("expires_at or rotation_configuration is required")
    return planned


def _self_rotation_token(olds: Mapping[str, Any]) -> str | None:
    """The token's own value, when it may rotate itself: ``self_rotate`` scope and still alive.

    An expired or revoked token cannot authenticate, and using a revoked one
    to rotate triggers GitLab's reuse detection; those go through the admin
    credential instead.
    """
    token = olds.get("token")
    scopes = olds.get("scopes")
    if not isinstance(token, str) or not token or not isinstance(scopes, (list, tuple)):
        return None
    if SELF_ROTATE_SCOPE not in scopes or olds.get("revoked") is True or olds.get("active") is False:
        return None
    expires = stored_date(olds.get("expires_at"))
    if expires is not None and expires <= clock.today():
        return None
    return token

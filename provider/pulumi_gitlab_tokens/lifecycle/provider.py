"""The dynamic resource provider: the whole lifecycle of a token, of whichever kind.

One class, :class:`AccessTokenProvider`, serves every kind; :func:`provider_class` makes a subclass
per kind that only fixes its :class:`~..kinds.base.TokenKind`. The classes live in this importable
module so that dill pickles them by reference (docs/secrets.md). The API calls of each operation are
in docs/resources.md, the resource id (the first token's, for good) in docs/limits.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, ClassVar, Mapping, overload

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .. import kinds
from ..client import gitlab_client
from ..client.gitlab_errors import credential_needed
from ..common import clock
from ..common.errors import CredentialMissingError, GitLabTokenError, scrub
from ..common.reporting import reported
from ..kinds.base import KEEP, OWNERSHIP_MARK_OUTPUT, OnChange, TokenKind
from ..rules import ownership
from ..rules.inputs import (
    TokenSpec,
    check_inputs,
    input_keys,
    is_unknown,
    parse_rotation_lenient,
    past_expiry,
    stored_date,
)
from ..rules.rotation import Action, Predecessor, WantedExpiry, decide, due_predecessors
from . import adoption, preview_checks, recovery
from .claims import Declared
from .stored import PREDECESSORS_KEY, PROVIDER_KEY, SELF_ROTATE_SCOPE, UNCONFIRMED_KEY, StoredToken, predecessors_output
from .token_endpoints import TokenEndpoints

__all__ = ["PROVIDER_KEY", "SELF_ROTATE_SCOPE", "UNCONFIRMED_KEY", "AccessTokenProvider", "provider_class"]



class AccessTokenProvider(Declared, ResourceProvider):
    """Shared lifecycle of a resource access token; subclasses fix the :class:`TokenKind`.

    Constructed with the declaring stack, resource and backend (:class:`~.claims.Declared`), named in the mark.
    """

    kind: ClassVar[TokenKind]
    #: Under a grace period, a token of the dynamic face leaves its due predecessors to its
    #: ``<name>-predecessors`` child, which revokes them after delivery (:mod:`.delivery`). The
    #: native face has no such child: there the token revokes them itself, by the calendar.
    delivery_revokes_predecessors: ClassVar[bool] = True
    # --- configuration ---------------------------------------------------------------

    # --- check -----------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise inputs and plan the expiry date. Never raises.

        No API call, except for a token about to be created (a new resource, or
        one whose inputs force a replacement): then, unless turned off, the
        :mod:`.preview_checks` ask GitLab whether the create would be allowed.
        """
        if isinstance(news, Mapping):  # the generation is planned here, from the olds only
            news = {k: v for k, v in news.items() if k != ownership.GENERATION_KEY}
        try:
            settings = gitlab_client.current_settings()
            inputs, failures = check_inputs(
                self.kind, _olds, news, clock.today(), settings.max_lifetime_days
            )
        except Exception as err:  # a bad setting or clock override; report, don't crash the preview
            message = err.message if isinstance(err, GitLabTokenError) else scrub(str(err))
            return CheckResult({}, [CheckFailure(self.kind.parent, message)])
        stored = StoredToken.read(self.kind, "", _olds)
        if not failures:
            failures = self._replacement_past_expiry(stored, inputs)
        replacing = bool(_olds) and bool(self._replacing_changes(stored, inputs))
        inputs = adoption.carried(inputs, _olds, exists=bool(_olds), replacing=replacing)
        inputs[ownership.GENERATION_KEY] = ownership.next_generation(_olds)
        if not failures and settings.preview_checks and (not _olds or replacing):
            try:
                failures = preview_checks.failures(self.kind, inputs) or adoption.preview_failures(
                    self.kind, inputs, lambda: self._owner(inputs))
            except Exception as err:
                failures = [CheckFailure("", preview_checks.describe_failure(err))]
        return CheckResult(inputs, failures)

    def _replacing_changes(self, stored: StoredToken, inputs: Mapping[str, Any]) -> list[str]:
        """The inputs whose change replaces the token, as ``diff`` will find them."""
        return [f.name for f in self.kind.inputs_changing(OnChange.REPLACE)
                if not (f.gitlab_default and inputs.get(f.name) is None)
                and _differs(f.compare, stored.get(f.name), inputs.get(f.name))]

    def _replacement_past_expiry(self, stored: StoredToken, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """A replacement would create a token with the kept fixed date: report a date already past.

        ``check_inputs`` does not re-validate a fixed date already applied, so an
        expired token keeps previewing cleanly; but when a replacing input changed,
        that date is sent to GitLab again, for a token dead on arrival.
        """
        if not stored.exists or inputs.get("rotation_configuration") is not None:
            return []
        fixed = stored_date(inputs.get("expires_at"))
        changed = self._replacing_changes(stored, inputs)
        past = past_expiry(fixed, clock.today()) if fixed is not None and changed else None
        if past is None:
            return []
        return [CheckFailure("expires_at", f"{past}; changing {', '.join(changed)} replaces the token with one "
                                           f"that would get this date")]

    # --- diff ------------------------------------------------------------------------

    @reported("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare old outputs with new checked inputs; no API call.

        Replaces on a change of an input the kind declares :attr:`~.OnChange.REPLACE`
        (compared as the kind says: scopes as a set, an access level as a number),
        and when a still-needed token was revoked; rotates in place when the
        planned expiry differs from the current one - or replaces, for a kind
        GitLab cannot rotate. Other inputs (:attr:`~.OnChange.IN_PLACE`, and the
        rotation settings) change the state only.
        """
        stored = StoredToken.read(self.kind, _id, olds)
        self._hold(stored)
        replaces = self._replacing_changes(stored, news)
        changed = bool(replaces)
        planned = news.get("expires_at")
        if is_unknown(planned) or is_unknown(news.get("rotation_configuration")):
            changed = True
        else:
            decision = decide(stored.previous(), _wanted(news), clock.today())
            if decision.action is Action.REPLACE:
                replaces.append("revoked")
            elif decision.action is Action.ROTATE and self.kind.renewal.new_expiry_replaces(decision.overlap):
                replaces.append("expires_at")  # no rotate route: a new expiry is a new token
            changed = changed or decision.action in (Action.ROTATE, Action.REPLACE)
        for field in self.kind.inputs:
            if field.on_change is not OnChange.REPLACE and not field.planned and (
                    field.compare(stored.get(field.name)) != field.compare(news.get(field.name))):
                changed = True
        if stored.unconfirmed:
            changed = True  # the update revokes what a timed-out create attempt made, if it landed
        if due_predecessors(stored.predecessors, clock.today())[0] and not self._delivery_revokes(news):
            changed = True  # the update revokes the predecessors whose grace period has passed
        return DiffResult(changes=changed, replaces=replaces or None, delete_before_replace=False)

    def _delivery_revokes(self, news: Mapping[str, Any]) -> bool:
        """Whether the token's predecessors are revoked by its :class:`~.delivery.PredecessorRevocation`,
        after every variable fed from it, never by the token: in the dynamic face, under a grace period."""
        rotation = parse_rotation_lenient(news.get("rotation_configuration"))
        return self.delivery_revokes_predecessors and rotation is not None and rotation.overlaps

    # --- create ----------------------------------------------------------------------

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST. Returns id ``"<parent>:<token id>"`` and the outputs, ``token`` included.

        With ``adopt_token_id``, one GET and the rotate of that token instead (see :mod:`.adoption`).
        """
        spec = TokenSpec.from_checked(self.kind, props)
        adopt_id = props.get(adoption.ADOPT_INPUT)
        if adopt_id is not None:
            outs = self._adopt_token(spec, props, int(adopt_id))
        else:
            outs = self._create_token(spec, props)
        return CreateResult(self.kind.resource_id(props, outs["token_id"]), outs)

    def _create_token(self, spec: TokenSpec, props: Mapping[str, Any]) -> dict[str, Any]:
        """Mint the token ``spec`` describes (recovering lost answers); the outputs."""
        expires_at = _planned_expiry(self.kind, spec)
        # A replacement keeps the date applied to the old token, which may have
        # passed; GitLab would mint a token that is already expired.
        past = None if expires_at is None else past_expiry(expires_at, clock.today())
        if past is not None:
            raise GitLabTokenError(f"Not creating token {spec.name!r}: {past}.")
        api = TokenEndpoints(self.kind, spec.parent, props)
        answer, unconfirmed = recovery.create_token(api, spec, expires_at, self._owner(props))
        outs = self._outputs(props, answer, token=answer.get("token"))
        if unconfirmed:
            outs[UNCONFIRMED_KEY] = unconfirmed
        return outs

    def _adopt_token(self, spec: TokenSpec, props: Mapping[str, Any], token_id: int) -> dict[str, Any]:
        """Rotate the existing token ``token_id`` into this resource, once it matches the program."""
        expires_at = _planned_expiry(self.kind, spec)
        assert expires_at is not None  # a kind that rotates needs an expiry
        answer = adoption.adopt(TokenEndpoints(self.kind, spec.parent, props), spec, props, token_id, expires_at,
                                self._owner(props))
        return self._outputs(props, answer, token=answer.get("token"))

    # --- read ------------------------------------------------------------------------

    @reported("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. Keeps ``token`` (GitLab never returns it again); a deleted token leaves the state.

        Never writes: a refresh (``preview --refresh`` too) revokes nothing. The
        predecessors and the unconfirmed create attempts stay in the state for the
        next ``up`` (see docs/rotation-delivery.md).
        """
        stored = StoredToken.read(self.kind, id_, props)
        parent, token_id = stored.located(self.kind)
        self._hold(stored)
        api = TokenEndpoints(self.kind, parent, stored.values)
        answer = api.get(token_id)
        if answer is None:
            return ReadResult(None, {})
        current = dict(stored.values)
        current.setdefault(self.kind.parent, parent)
        outs = self._outputs(current, answer, token=props.get("token"))
        if stored.unconfirmed:
            outs[UNCONFIRMED_KEY] = list(stored.unconfirmed)
        return ReadResult(id_, _with_predecessors(outs, list(stored.predecessors)))

    # --- update ----------------------------------------------------------------------

    @reported("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Rotate in place to the expiry planned at preview, or record input changes that need no call.

        A token GitLab deleted (its retention window passed, see :class:`.recovery.TokenGone`)
        cannot be rotated: a new token is created instead, with a new bot user, as a
        replacement would. The resource id keeps naming the first token, as after any rotation.
        """
        spec = TokenSpec.from_checked(self.kind, news)
        stored = StoredToken.read(self.kind, id_, olds)
        self._hold(stored)
        parent, token_id = stored.located(self.kind)
        api = TokenEndpoints(self.kind, parent, stored.values)
        self._revoke_unconfirmed(api, stored, {"id": token_id, "user_id": stored.user_id})
        waiting = self._settle_predecessors(api, stored, news)
        decision = decide(stored.previous(), _wanted(news), clock.today())
        if decision.action is Action.REPLACE:
            raise GitLabTokenError(
                f"token {spec.name!r} was revoked outside Pulumi and must be replaced, not updated; "
                f"run `pulumi up` again"
            )
        edits = {f.name: news.get(f.name) for f in self.kind.inputs_changing(OnChange.UPDATE)
                 if f.compare(stored.get(f.name)) != f.compare(news.get(f.name))}
        if edits and decision.action is not Action.ROTATE:
            # One call on the update route, with the token's ownership mark kept where it lives.
            mark = ownership.parse(stored.get(OWNERSHIP_MARK_OUTPUT))[1]
            answer = api.update(token_id, self.kind.mark.kept_on(edits, mark))
            return UpdateResult(_with_predecessors(self._outputs(news, answer, token=stored.token), waiting))
        if decision.action is not Action.ROTATE:
            kept = {k: v for k, v in stored.values.items() if k not in input_keys(self.kind)}
            kept.update({k: v for k, v in news.items() if k in input_keys(self.kind)})
            return UpdateResult(_with_predecessors(kept, waiting))
        # The planned date from check, never the clock: preview and update agree.
        expires_at = _planned_expiry(self.kind, spec)
        assert expires_at is not None  # a rotation always plans a date
        if decision.overlap and decision.revoke_predecessor_on is not None:
            # The successor is a create, with this resource's mark (recovery finds it after a lost
            # answer or a killed run); the predecessor is held, so recovery never takes it.
            superseded = Predecessor(token_id, decision.revoke_predecessor_on)
            return UpdateResult(_with_predecessors(self._create_token(spec, news), [*waiting, superseded]))
        try:
            answer = recovery.rotate_token(
                api,
                token_id=token_id,
                bot_user_id=stored.user_id,
                name=stored.name or spec.name,
                expires_at=expires_at,
                self_token=stored.self_rotation_token(self.kind, clock.today()),
                owner=self._owner(news, required=False),  # self-rotation needs no credential
            )
        except recovery.TokenGone:
            return UpdateResult(_with_predecessors(self._create_token(spec, news), waiting))
        return UpdateResult(_with_predecessors(self._outputs(news, answer, token=answer.get("token")), waiting))

    # --- delete ----------------------------------------------------------------------

    @reported("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE (revoke), and one per predecessor still in its grace period. An already revoked
        or missing token counts as revoked."""
        stored = StoredToken.read(self.kind, id_, props)
        parent, token_id = stored.located(self.kind)
        self._hold(stored)
        api = TokenEndpoints(self.kind, parent, stored.values)
        api.revoke(token_id)
        for predecessor in stored.predecessors:
            api.revoke(predecessor.token_id)

    # --- helpers ---------------------------------------------------------------------

    @overload
    def _owner(self, inputs: Mapping[str, Any]) -> ownership.Owner: ...
    @overload
    def _owner(self, inputs: Mapping[str, Any], *, required: bool) -> ownership.Owner | None: ...

    def _owner(self, inputs: Mapping[str, Any], *, required: bool = True) -> ownership.Owner | None:
        """Who marks this resource's tokens, keyed and at the generation ``check`` planned (see :mod:`.ownership`);
        without a secret to key it, ``None``, or when ``required`` the missing credential's error."""
        owner = self.keyed_owner(ownership.stored_generation(inputs) or 1)
        if owner is None and required:
            raise CredentialMissingError(credential_needed(self.kind))
        return owner

    def _hold(self, stored: StoredToken) -> None:
        """The engine holds this token in its state: no recovery in this process may take it."""
        if stored.parent and stored.token_id is not None:
            ids = gitlab_client.id_space(self.kind.id_table)
            ownership.hold(ids, stored.token_id)
            for predecessor in stored.predecessors:  # still in its grace period: never adopted nor revoked early
                ownership.hold(ids, predecessor.token_id)
        # else: an unreadable id fails the operation itself, with its own message

    def _revoke_unconfirmed(self, api: TokenEndpoints, stored: StoredToken, held: Mapping[str, Any]) -> None:
        """Revoke tokens that timed-out create attempts named in the state made after the create ended."""
        if stored.unconfirmed and stored.name is not None:
            recovery.revoke_unconfirmed(api, stored.name, list(stored.unconfirmed), keep=dict(held))

    def _settle_predecessors(self, api: TokenEndpoints, stored: StoredToken,
                             news: Mapping[str, Any]) -> list[Predecessor]:
        """The predecessors to keep recording.

        Without a grace period in the program (one left over from an earlier one),
        this update revokes the due ones (ids from this resource's own state). Under
        a grace period the token's :class:`~.delivery.PredecessorRevocation` revokes
        them after delivery; here the due ones GitLab reports revoked or gone are
        forgotten (one GET each), the others kept for it.
        """
        due, waiting = due_predecessors(stored.predecessors, clock.today())
        if not self._delivery_revokes(news):
            for predecessor in due:
                api.revoke(predecessor.token_id)
            return waiting
        for predecessor in due:
            answer = api.get(predecessor.token_id)
            if answer is not None and answer.get("active") is not False and not answer.get("revoked"):
                waiting.append(predecessor)
        return sorted(waiting, key=lambda p: (p.revoke_on, p.token_id))

    def _outputs(
        self, inputs: Mapping[str, Any], answer: Mapping[str, Any], *, token: Any
    ) -> dict[str, Any]:
        """Echo the inputs, then add what GitLab said about the token, as the kind's outputs declare."""
        outs = {k: v for k, v in inputs.items() if k in input_keys(self.kind) and v is not None}
        echoed = dict(outs)
        for field in self.kind.outputs:
            value = token if field.secret else field.read(answer, echoed)
            if value is not KEEP:
                outs[field.name] = value
        return outs


def provider_class(kind: TokenKind) -> type[AccessTokenProvider]:
    """The provider class of ``kind``: :class:`AccessTokenProvider` with the kind fixed.

    Made once per kind and kept in this module under its name
    (``ProjectAccessTokenProvider``), so dill pickles it by reference.
    """
    name = f"{kind.resource_name}Provider"
    existing = globals().get(name)
    if isinstance(existing, type) and issubclass(existing, AccessTokenProvider) and existing.kind is kind:
        return existing
    cls = type(name, (AccessTokenProvider,), {
        "kind": kind, "__module__": __name__, "__qualname__": name,
        "__doc__": f"Provider of :class:`~pulumi_gitlab_tokens.{kind.resource_name}`.",
    })
    globals()[name] = cls
    return cls


for _kind in kinds.ALL:
    provider_class(_kind)


def _with_predecessors(outs: dict[str, Any], predecessors: list[Predecessor]) -> dict[str, Any]:
    """``outs`` with the predecessors still in their grace period recorded (none: no key, as before)."""
    if predecessors:
        outs[PREDECESSORS_KEY] = predecessors_output(predecessors)
    return outs


# --- comparisons -----------------------------------------------------------------------


def _differs(compare: Callable[[Any], Any], old: Any, new: Any) -> bool:
    """Whether an input changed, compared as its field declares; an unknown new value always differs."""
    return is_unknown(new) or compare(old) != compare(new)


def _wanted(news: Mapping[str, Any]) -> WantedExpiry:
    return WantedExpiry(
        expires_at=stored_date(news.get("expires_at")),
        rotation=parse_rotation_lenient(news.get("rotation_configuration")),
    )


def _planned_expiry(kind: TokenKind, spec: TokenSpec) -> dt.date | None:
    """The date ``check`` planned; planned now only if ``check`` never ran (direct use).

    ``None`` (no expiry) only for a kind that does not need one.
    """
    if spec.expires_at is not None:
        return spec.expires_at
    planned = decide(None, WantedExpiry(None, spec.rotation), clock.today()).expires_at
    if planned is None and kind.lifetime.required:
        raise GitLabTokenError("expires_at or rotation_configuration is required")
    return planned

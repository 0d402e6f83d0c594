"""The parts a token kind is made of: each a small object with one job, chosen by the kind's declaration.

A kind (:class:`~.base.TokenKind`) chooses one part of each sort, as a python-gitlab
manager chooses mixins: where it hangs (:class:`Parent`), who may create it
(:class:`Members` or :class:`Administrators`), whose user holds it (:class:`BotUser`,
:class:`OwnUser`, :class:`NoUser`), how it is read (:class:`ById`, :class:`ByListing`), where its
ownership mark lives (:class:`InDescription`, :class:`AfterName`), how recovery finds
candidates (:class:`ByName`, :class:`Unnamed`), how GitLab says it is gone
(:class:`Absence`), how long it lives (:class:`CappedLifetime`, :class:`FreeLifetime`,
:class:`NoExpiry`) and how it renews (:class:`RotateRoute`, :class:`Replacement`).
Generic code calls the part; it does not ask which one it has. docs/architecture.md
shows where each is called.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

from ..common import catalogue
from ..rules import ownership
from ..rules.inputs import integral

if TYPE_CHECKING:
    from .base import TokenKind


class Endpoints(Protocol):
    """What the parts ask of the endpoints (:class:`~..lifecycle.token_endpoints.TokenEndpoints`)."""

    parent: str

    def fetch(self, token_id: int) -> dict[str, Any]: ...
    def list_all(self, **filters: Any) -> list[dict[str, Any]]: ...
    def list_searching(self, name: str) -> list[dict[str, Any]]: ...


# --- where the token hangs ---------------------------------------------------------------


@dataclass(frozen=True)
class Parent:
    """The project, group or user a token hangs from."""

    #: The input naming it (its id or full path), and GitLab's word for it in messages.
    input: str
    #: The REST collection holding it (``projects``): members and routes.
    collection: str
    #: An example of a reference to one, for error messages.
    example: str
    #: A project's full path ends in the project (a namespace and a last segment that may end
    #: in ``.``); a group's is namespaces only.
    path_ends_in_project: bool = False

    @property
    def noun(self) -> str:
        """GitLab's word for the parent's sort (``project``, ``group``, ``user``)."""
        return self.collection.removesuffix("s")


PROJECT = Parent("project", "projects", "acme/app", path_ends_in_project=True)
GROUP = Parent("group", "groups", "acme/platform")
USER = Parent("user_id", "users", "42")


# --- who may create it --------------------------------------------------------------------


class Judge(Protocol):
    """The preview's check of a creator (:mod:`..lifecycle.preview_checks`), one method per sort of creator."""

    def members(self, creators: Members | RoleCheck) -> Any: ...
    def administrators(self) -> Any: ...


_OWNER = catalogue.ACCESS_LEVELS["owner"]


@dataclass(frozen=True)
class Members:
    """Members of the parent with at least ``role`` create the token, under resource access tokens' rules:
    GitLab refuses with ``400``, bot users never create, and the token's level must be one the creator
    may assign (``ResourceAccessTokens::CreateService``)."""

    #: The role (``Maintainer``, ``Owner``) GitLab requires.
    role: str
    #: GitLab refuses an Owner-level token from a creator who is not Owner (project tokens).
    owner_level_needs_owner: bool = False

    def who(self, kind: TokenKind) -> str:
        """Who may manage the kind, as messages say it."""
        return f"{self.role} (or higher) on the {kind.parent}"

    def credential_needed(self, kind: TokenKind) -> str:
        return f"a personal access token with the `api` scope whose user is {self.who(kind)}"

    def judged_by(self, judge: Judge) -> Any:
        return judge.members(self)

    def refusal(self, kind: TokenKind, caller: Any, role: int, wanted: int | None) -> str | None:
        """GitLab 19.x's reason for refusing ``caller`` (with ``role`` on the parent) a token at ``wanted``.

        19.x says the same for an Owner project token from a non-owner and for any level above the
        caller's; 18.x's words are known to the error translation too."""
        if caller.is_resource_bot or role < catalogue.ACCESS_LEVELS[self.role.lower()]:
            return f"User does not have permission to create {kind.parent} access token"
        if wanted is None:
            return None
        if (self.owner_level_needs_owner and wanted == _OWNER and role < _OWNER) or (
                not caller.is_bot and not catalogue.may_assign(role, wanted)):
            return "Access level of the token contains permissions not held by the creating user"
        return None

    def refused_answer(self, refusal: str) -> tuple[int, str]:
        """The status and message of GitLab's answer refusing the create."""
        return 400, f"400 Bad request - {refusal}"

    def hint(self, kind: TokenKind, status: int, message: str) -> str | None:
        return None


@dataclass(frozen=True)
class RoleCheck(Members):
    """Members with at least ``role`` create the token, under a plain policy check (deploy tokens,
    service accounts' tokens): GitLab refuses a creator below it with a bare ``403 Forbidden``, bots alike."""

    def refusal(self, kind: TokenKind, caller: Any, role: int, wanted: int | None) -> str | None:
        return "403 Forbidden" if role < catalogue.ACCESS_LEVELS[self.role.lower()] else None

    def refused_answer(self, refusal: str) -> tuple[int, str]:
        return 403, refusal


@dataclass(frozen=True)
class Administrators:
    """Only administrators create the token (GitLab's ``authenticated_as_admin!``); the parent is a user."""

    role = "administrator"

    def who(self, kind: TokenKind) -> str:
        return "an administrator"

    def credential_needed(self, kind: TokenKind) -> str:
        return "an administrator's personal access token with the `api` scope"

    def judged_by(self, judge: Judge) -> Any:
        return judge.administrators()

    def refusal(self, kind: TokenKind, caller: Any, role: int, wanted: int | None) -> str | None:
        """GitLab's refusal of a creator who is not an administrator (``authenticated_as_admin!``)."""
        return None if caller.is_admin else "403 Forbidden"

    def hint(self, kind: TokenKind, status: int, message: str) -> str | None:
        """What to do about GitLab's answer, where it differs from the members' kinds."""
        if status in (401, 403) and "scope" not in message:
            return (f"Only administrators manage a {kind.resource_name} through this API: set gitlab:token (or "
                    f"GITLAB_TOKEN) to a valid administrator's personal access token with the `api` scope "
                    f"(and `admin_mode` where admin mode is on)")
        if status == 404 and "user" in message:
            return (f"No user has this {kind.parent}: give the id of an existing user or service account "
                    f"(`POST /service_accounts` makes an instance service account)")
        if status == 404:
            return "The token no longer exists; run `pulumi refresh` to drop it from the state"
        return None


# --- whose user holds it -----------------------------------------------------------------


@dataclass(frozen=True)
class BotUser:
    """Each token family has a bot user of its own (resource access tokens): the user id tells
    a rotation's successor from every other token of the parent."""

    #: The list GitLab shows the token's name in: the parent's access tokens.
    names_listed = "access"
    #: GitLab deletes the token and its bot user some days after it became inactive
    #: (``inactive_resource_access_tokens_delete_after_days``).
    retention_deletes = True

    def name_parents(self, kind: TokenKind) -> tuple[tuple[str, str], ...]:
        """The input naming the parent whose list holds the token's name, with the parent's sort."""
        return ((kind.parent, kind.home.noun),)

    def family(self, token: Mapping[str, Any]) -> int | None:
        """The token's family: its bot user."""
        return integral(token.get("user_id"))

    def same_family(self, token: Mapping[str, Any], user_id: int, claimed: Callable[[], bool]) -> bool:
        return integral(token.get("user_id")) == user_id

    def gone_reason(self, kind: TokenKind) -> str:
        return ("GitLab deletes an inactive token family and its bot user once it has been expired or revoked for "
                "the instance's retention window (30 days by default)")

    recreated = ", with a new bot user"


@dataclass(frozen=True)
class _ByMark:
    """A holder whose user id proves nothing on its own: recovery goes by the ownership mark."""

    retention_deletes = False

    def family(self, token: Mapping[str, Any]) -> int | None:
        return None

    def same_family(self, token: Mapping[str, Any], user_id: int, claimed: Callable[[], bool]) -> bool:
        return integral(token.get("user_id")) == user_id and claimed()

    def gone_reason(self, kind: TokenKind) -> str:
        return f"its {kind.parent} or the token was deleted"

    recreated = ""


@dataclass(frozen=True)
class OwnUser(_ByMark):
    """The token belongs to a user who holds other tokens too (a person, a service account): the
    user id proves nothing on its own, the ownership mark does."""

    #: The list GitLab shows the token's name in: the user's personal access tokens, whatever
    #: group or project a service account belongs to.
    names_listed = "personal"
    #: The input naming the user (the parent, or a route input).
    user_input = "user_id"

    def name_parents(self, kind: TokenKind) -> tuple[tuple[str, str], ...]:
        if self.user_input not in kind.input_names:
            raise ValueError(f"{kind.resource_name}: a token held by its own user names it by a "
                             f"{self.user_input!r} input")
        return ((self.user_input, "user"),)


@dataclass(frozen=True)
class NoUser(_ByMark):
    """No user holds the token (deploy tokens, pipeline triggers): recovery goes by the ownership mark,
    as for :class:`OwnUser`, and GitLab lists the names under the parent, apart from its other tokens."""

    #: The list GitLab shows the token's name in (``deploy``: the parent's deploy tokens).
    names_listed: str
    #: The input naming what the list is under, with its sort, when it is not the parent (an agent's
    #: tokens: agent ids are instance-wide, so the agent alone tells the list apart).
    listed_under: tuple[str, str] | None = None

    def name_parents(self, kind: TokenKind) -> tuple[tuple[str, str], ...]:
        return (self.listed_under or (kind.parent, kind.home.noun),)


# --- how one token is read ---------------------------------------------------------------


@dataclass(frozen=True)
class ById:
    """GitLab has a route for one token (``routes.get``)."""

    route = "get"

    def read(self, api: Endpoints, token_id: int) -> dict[str, Any]:
        return api.fetch(token_id)


@dataclass(frozen=True)
class ByListing:
    """GitLab has no route for one token: it is found in the parent's list."""

    route = "list"

    def read(self, api: Endpoints, token_id: int) -> dict[str, Any] | None:
        return next((t for t in api.list_all() if integral(t.get("id")) == token_id), None)


# --- where the list route is -------------------------------------------------------------


@dataclass(frozen=True)
class UnderParent:
    """The list route is under the parent."""

    def query(self, parent: str) -> dict[str, str]:
        return {}

    def not_the_parents(self, token: Mapping[str, Any], parent: str) -> str | None:
        return None


@dataclass(frozen=True)
class FilteredBy:
    """The list route is not under the parent: the parent's id goes in the query parameter ``field``,
    which each token also carries."""

    field: str

    def query(self, parent: str) -> dict[str, str]:
        return {self.field: parent}

    def not_the_parents(self, token: Mapping[str, Any], parent: str) -> str | None:
        """Why ``token`` is not ``parent``'s, or ``None``."""
        if str(integral(token.get(self.field))) == str(parent):
            return None
        return f"belongs to {self.field} {token.get(self.field)}"


# --- where the ownership mark lives ------------------------------------------------------


@dataclass(frozen=True)
class InDescription:
    """The mark ends the token's ``description`` (see :mod:`..rules.ownership`)."""

    def into_request(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def from_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def kept_on(self, edits: dict[str, Any], mark: Any) -> dict[str, Any]:
        """``edits`` to the token with its ``mark`` (a :class:`~..rules.ownership.Mark`) kept where it lives."""
        if "description" in edits and mark is not None:
            edits["description"] = ownership.marked(edits["description"] or "", mark)
        return edits


@dataclass(frozen=True)
class AfterName:
    """A kind without a description (deploy tokens): the mark goes after the user's text in ``field``,
    which is handed on without it, so recovery and the outputs read every kind's tokens alike."""

    field: str = "name"

    def into_request(self, data: dict[str, Any]) -> dict[str, Any]:
        if "description" in data:
            data[self.field] = f"{data.get(self.field) or ''} {data.pop('description')}".lstrip()
        return data

    def from_record(self, record: dict[str, Any]) -> dict[str, Any]:
        user_text, mark = ownership.parse(record.get(self.field))
        if self.field in record:
            record[self.field] = user_text
        record["description"] = None if mark is None else mark.text()
        return record

    def kept_on(self, edits: dict[str, Any], mark: Any) -> dict[str, Any]:
        if self.field in edits and mark is not None:
            edits[self.field] = ownership.marked(edits[self.field] or "", mark)
        return edits


# --- how recovery finds a lost token ------------------------------------------------------


@dataclass(frozen=True)
class ByName:
    """Tokens have names: recovery asks for the token's name and keeps exact matches."""

    def candidates(self, api: Endpoints, name: str) -> list[dict[str, Any]]:
        return [t for t in api.list_searching(name) if t.get("name") == name]

    def every(self, api: Endpoints) -> list[dict[str, Any]]:
        """Every token of the parent, as recovery reads them."""
        return api.list_all()


@dataclass(frozen=True)
class Unnamed:
    """Tokens have no name (pipeline triggers): recovery reads the whole list and goes by the mark alone."""

    def candidates(self, api: Endpoints, name: str) -> list[dict[str, Any]]:
        """Every token of the parent, each under the name its mark was made for (``""``: a kind without
        names has no ``name`` input), so a lost answer's token is told from others by its mark alone."""
        return [{**token, "name": name} for token in api.list_all()]

    def every(self, api: Endpoints) -> list[dict[str, Any]]:
        return self.candidates(api, "")


# --- how GitLab says a token is gone ------------------------------------------------------


@dataclass(frozen=True)
class Absence:
    """GitLab's 404 messages that mean the token is gone."""

    #: The whole message for a missing token when it does not name the token's kind
    #: (``404 Not found`` from ``ActiveRecord::RecordNotFound``); ``None``: GitLab names it.
    missing_token: str | None = None
    #: The message when a route input names a holder that is gone, and its tokens with it
    #: (``404 User Not Found``: a service account deleted); ``None``: no such holder.
    holder_gone: str | None = None

    def says_token_missing(self, status: int | None, message: str | None) -> bool:
        return self.missing_token is not None and status == 404 and (message or "").strip() == self.missing_token

    def says_holder_gone(self, status: int | None, message: str | None) -> bool:
        return self.holder_gone is not None and status == 404 and (message or "").lower() == self.holder_gone.lower()


# --- how long it lives ---------------------------------------------------------------------


def _renewing(renewal: RotateRoute | Replacement, inputs: tuple[str, ...]) -> str:
    """How a token that expires renews, as the policy pack says it: as its renewal part does, when the
    resource has a ``rotation_configuration`` (pulumi-gitlab's deploy tokens have none)."""
    return renewal.renews if "rotation_configuration" in inputs else catalogue.NO_ROTATION_INPUT


@dataclass(frozen=True)
class CappedLifetime:
    """GitLab requires an expiry and caps the lifetime (the instance's maximum, 365 days by default)."""

    required = True

    def most_days(self, configured: int, today: dt.date) -> int:
        return configured

    def renewal_fact(self, renewal: RotateRoute | Replacement, inputs: tuple[str, ...]) -> str:
        """How the token renews, as the policy pack says it (``catalogue.TokenType.rotation``)."""
        return _renewing(renewal, inputs)


@dataclass(frozen=True)
class FreeLifetime:
    """Any date GitLab can store, or none: the token may never expire (deploy tokens)."""

    required = False

    def most_days(self, configured: int, today: dt.date) -> int:
        return (dt.date.max - today).days

    def renewal_fact(self, renewal: RotateRoute | Replacement, inputs: tuple[str, ...]) -> str:
        """How the token renews, as the policy pack says it (``catalogue.TokenType.rotation``)."""
        return _renewing(renewal, inputs)


@dataclass(frozen=True)
class NoExpiry:
    """GitLab keeps no expiry for the token (pipeline triggers): there is no expiry input at all."""

    required = False

    def most_days(self, configured: int, today: dt.date) -> int:
        return (dt.date.max - today).days

    def renewal_fact(self, renewal: RotateRoute | Replacement, inputs: tuple[str, ...]) -> str:
        """Nothing to renew: it lives until it is deleted."""
        return catalogue.NO_EXPIRY


# --- how it renews -------------------------------------------------------------------------


@dataclass(frozen=True)
class RotateRoute:
    """GitLab rotates the token in place (``routes.rotate``): the value is new, the token's family stays,
    and an existing token can be adopted (its rotation hands over a value)."""

    #: The token can rotate itself (``routes.self_rotate``, its ``self_rotate`` scope).
    self_rotates: bool = False
    #: A rotation may mint a successor beside the token (``grace_period_days``).
    overlaps: bool = True

    rotates = True
    #: How the policy pack says it renews.
    renews = catalogue.ROTATES_IN_PLACE

    def new_expiry_replaces(self, overlap: bool) -> bool:
        """Whether a new expiry date replaces the token: never, it rotates."""
        return False


@dataclass(frozen=True)
class Replacement:
    """GitLab has no rotate route: a new expiry is a new token (create before delete), and a lost
    answer's leftover is revoked rather than rotated, as there is no way to get its value."""

    overlaps: bool = True
    self_rotates = False
    rotates = False
    renews = catalogue.ROTATION_REPLACES

    def new_expiry_replaces(self, overlap: bool) -> bool:
        return not overlap

"""The providers of ``GroupServiceAccount`` and ``ProjectServiceAccount``: a service account (a user), not a token.

One provider serves both parents; where the account is made (:class:`AccountHome`, a group or, from
GitLab 18.11, a project) is data. Routes (``lib/api/{group,project}_service_accounts.rb``): ``POST`` and
``GET`` (the list: there is no route for one account) ``/{groups,projects}/:id/service_accounts``,
``DELETE .../service_accounts/:user_id``. The ownership mark goes in the account's ``name``, the only
free text the list returns; every input replaces the account. docs/resources.md says who may manage
accounts and what each operation costs, docs/ownership-variables-and-accounts.md how recovery treats them.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
)

from ..client import gitlab_client
from ..client.gitlab_client import NO_LIBRARY_RETRIES
from ..client.gitlab_errors import is_lost_answer, translate
from ..common import catalogue, characters
from ..common.errors import GitLabTokenError, scrub
from ..common.reporting import reported
from ..kinds import GROUP_SERVICE_ACCOUNT, PROJECT_SERVICE_ACCOUNT, TokenKind
from ..lifecycle import claims, preview_checks, recovery
from ..lifecycle.claims import Declared
from ..lifecycle.token_endpoints import LIST_PAGE_SIZE, every_page
from ..rules import ownership, user_rules
from ..rules.inputs import integral, is_unknown, parse_parent

#: What GitLab computes.
COMPUTED = ("service_account_id",)
#: GitLab's answer to a caller who may not create an account in a subgroup (before 18.11).
SUBGROUP_REFUSAL = "User does not have permission to create a service account in this group."
#: GitLab's name for an account created without one (``Users::ServiceAccounts::CreateService``).
DEFAULT_NAME = "Service account user"
#: The longest ``name`` a user may give: GitLab's limit less the ownership mark's room.
USER_NAME_MAX_LENGTH = catalogue.NAME_MAX_LENGTH - ownership.MARK_ROOM
#: The first GitLab release with subgroup service accounts (GA, their flag removed).
SUBGROUP_ACCOUNTS_SINCE = (18, 11)
#: The first GitLab release serving project service accounts to everyone (GA, their flag removed).
PROJECT_ACCOUNTS_SINCE = (18, 11)

T = TypeVar("T")


@dataclass(frozen=True)
class AccountHome:
    """Where a service account is made, and what GitLab asks of it there."""

    #: The resource's name (``GroupServiceAccount``).
    resource_name: str
    #: The kind of the account's tokens: its parent input and collection, who may manage
    #: accounts there (``admin_service_accounts``) and how GitLab's errors read.
    token_kind: TokenKind
    #: python-gitlab's manager of the accounts (in ``gitlab.v4.objects``).
    manager: str
    #: The first GitLab release with these routes; ``None``: every release the provider supports.
    routes_since: tuple[int, int] | None = None
    #: The first GitLab release making accounts below a top-level parent; ``None``: no such rule.
    nested_since: tuple[int, int] | None = None

    @property
    def parent(self) -> str:
        """The parent's input (``group``, ``project``), and GitLab's word for it."""
        return self.token_kind.parent

    @property
    def inputs(self) -> tuple[str, ...]:
        """The inputs, in the order messages list them; every one replaces the account when it changes."""
        return (self.parent, "name", "username", "email")

    @property
    def creator_level(self) -> int:
        """The least role on the parent that manages its accounts."""
        return catalogue.ACCESS_LEVELS[self.token_kind.creators.role.lower()]


GROUP_ACCOUNTS = AccountHome("GroupServiceAccount", GROUP_SERVICE_ACCOUNT, "GroupServiceAccountManager",
                             nested_since=SUBGROUP_ACCOUNTS_SINCE)
PROJECT_ACCOUNTS = AccountHome("ProjectServiceAccount", PROJECT_SERVICE_ACCOUNT, "ProjectServiceAccountManager",
                               routes_since=PROJECT_ACCOUNTS_SINCE)


#: GitLab's rules for each text input (:mod:`.user_rules`), and what to do instead.
_RULES: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "username": (user_rules.username_problems, "choose another username, or leave it out for GitLab's "
                                               "service_account_<group or project>_<its id>_<hex>"),
    "email": (user_rules.email_problems, "give another email, or leave it out for GitLab's "
                                         "<username>@noreply.<host>"),
    "name": (user_rules.name_problems, "shorten it or leave out '<' and '>'"),
}


def _optional_text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{field} is empty: leave it out to let GitLab choose one")
    characters.refuse_unsafe(field, value)
    rule, fix = _RULES[field]
    problems = rule(value)
    if problems:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise ValueError(f"{field} {shown!r} would be refused by GitLab: it {'; it '.join(problems)}. {fix.capitalize()}")
    return value


def _name(value: Any) -> str:
    name = _optional_text("name", value)
    if len(name) > USER_NAME_MAX_LENGTH:
        raise ValueError(f"name is {len(name)} characters long; at most {USER_NAME_MAX_LENGTH} fit (GitLab allows "
                         f"{catalogue.NAME_MAX_LENGTH}, and the provider's ownership mark takes "
                         f"{ownership.MARK_ROOM}): shorten it")
    return name


def check_account_inputs(home: AccountHome,
                         news: Mapping[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
    """The checked inputs and the failures, each naming its field and the fix."""
    checked: dict[str, Any] = {}
    failures: list[CheckFailure] = []
    for key in sorted(k for k in news if k not in home.inputs and k != "__provider" and news[k] is not None):
        reason = (f"{key} is computed by GitLab and cannot be set" if key in COMPUTED
                  else f"{key} is not an input of {home.resource_name}; the inputs are: {', '.join(home.inputs)}")
        failures.append(CheckFailure(characters.escape_unsafe(str(key)), reason))
    parsers: dict[str, Callable[[Any], Any]] = {
        home.parent: lambda v: parse_parent(home.token_kind, v),
        "name": _name,
        "username": lambda v: _optional_text("username", v),
        "email": lambda v: _optional_text("email", v),
    }
    for key, parse in parsers.items():
        value = news.get(key)
        if value is None and key != home.parent:
            continue
        if is_unknown(value):
            checked[key] = value
            continue
        try:
            checked[key] = parse(value)
        except ValueError as err:
            failures.append(CheckFailure(key, characters.escape_unsafe(str(err))))
    return checked, failures


class ServiceAccountProvider(Declared, ResourceProvider):
    """Create, read and delete a service account of the :attr:`home`'s parent.

    Constructed with the declaring stack and resource (:class:`~.claims.Declared`), named in the mark.
    """

    home: ClassVar[AccountHome]

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs; for an account about to be created, ask whether GitLab would allow it."""
        checked, failures = check_account_inputs(self.home, news)
        replacing = not olds or bool(replacing_changes(self.home, olds, checked))
        if not failures and replacing and gitlab_client.current_settings().preview_checks:
            try:
                failures = preview_failures(self.home, checked.get(self.home.parent))
            except Exception as err:
                failures = [CheckFailure("", preview_checks.describe_failure(err))]
        return CheckResult(checked, failures)

    @reported("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """A change of a given input replaces the account; no API call.

        The old account goes first when a given ``username`` or ``email`` stays the same:
        GitLab refuses one that is taken, so create-before-delete could not succeed.
        """
        _hold_state(olds)
        replaces = replacing_changes(self.home, olds, news)
        kept_unique = any(news.get(k) is not None and not is_unknown(news.get(k)) and olds.get(k) == news.get(k)
                          for k in ("username", "email"))
        return DiffResult(changes=bool(replaces), replaces=replaces or None,
                          delete_before_replace=bool(replaces) and kept_unique)

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """The parent's listing and one POST (see the module docstring); the id is pulumi-gitlab's import id,
        ``<group or project>:<service account id>``."""
        at = Accounts(self.home, str(props[self.home.parent]))
        owner = self.claimant()
        answer = _adopt_leftover(at, props, owner) if owner is not None else None
        if answer is None:
            answer = _post(at, props, owner)
        account_id = integral(answer.get("id"))
        if account_id is None:
            raise GitLabTokenError(f"GitLab's answer on POST {at.path} names no account id; check gitlab:baseUrl")
        _hold(account_id)
        return CreateResult(f"{at.ref}:{account_id}", _outputs(at, props, answer))

    @reported("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The parent's accounts, listed (GitLab has no route for one); a deleted account leaves the state."""
        at, account_id = _located(self.home, id_, props)
        _hold(account_id)
        found = [a for a in _accounts(at) if integral(a.get("id")) == account_id]
        if not found:
            return ReadResult(None, {})
        current = {k: v for k, v in props.items() if k in self.home.inputs}
        current.setdefault(self.home.parent, at.ref)
        return ReadResult(id_, _outputs(at, current, found[0]))

    @reported("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; an account GitLab no longer has counts as deleted."""
        at, account_id = _located(self.home, id_, props)
        _delete(at, account_id)


class GroupServiceAccountProvider(ServiceAccountProvider):
    """A group's service account."""

    home = GROUP_ACCOUNTS


class ProjectServiceAccountProvider(ServiceAccountProvider):
    """A project's service account."""

    home = PROJECT_ACCOUNTS


@dataclass(frozen=True)
class Accounts:
    """The service accounts of one group or project: its :class:`AccountHome` and reference (id or full path)."""

    home: AccountHome
    ref: str

    @property
    def parent_path(self) -> str:
        """The parent's own route (``/groups/acme``)."""
        return f"/{self.home.token_kind.collection}/{urllib.parse.quote(self.ref, safe='')}"

    @property
    def path(self) -> str:
        return f"{self.parent_path}/service_accounts"

    @property
    def named(self) -> str:
        """The parent as messages name it (``group 'acme'``)."""
        return f"{self.home.parent} {self.ref!r}"


# --- what a killed run or a lost answer left ---------------------------------------------------


def _adopt_leftover(at: Accounts, props: Mapping[str, Any], owner: ownership.Owner) -> dict[str, Any] | None:
    """The account this resource made that the state does not hold and that fits ``props``, if there is one.

    Every other unheld account marked by this resource goes: nothing holds it (a
    killed run's, made before the inputs changed), and its username or email could
    be the one asked for now. A mark GitLab lists on two accounts is a copy on one
    of them: neither is touched.
    """
    accounts = _accounts(at)
    marks = [claims.mark_in(a.get("name")) for a in accounts]
    leftovers = sorted((a for a, mark in zip(accounts, marks)
                        if _claimed(a, owner) and marks.count(mark) == 1 and not _is_held(a.get("id"))),
                       key=lambda a: int(a["id"]))
    for account in leftovers:
        _hold(account["id"])
    fitting = [a for a in leftovers if _fits(a, props)]
    adopted = fitting[-1] if fitting else None
    for account in leftovers:
        if account is not adopted:
            _delete(at, int(account["id"]))
    return adopted


def _fits(account: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    """Whether ``account`` is what ``props`` ask for: the name, and a given username and email."""
    if claims.without_mark(account.get("name")) != (props.get("name") or DEFAULT_NAME):
        return False
    if props.get("username") and props["username"] != account.get("username"):
        return False
    return not props.get("email") or str(props["email"]).casefold() == str(account.get("email") or "").casefold()


def _claimed(account: Mapping[str, Any], owner: ownership.Owner | None) -> bool:
    """Whether ``owner`` made ``account``: its name's mark is this resource's, for the display name it ends."""
    return claims.claimed_by(account.get("name"), owner, claims.without_mark(account.get("name")) or "")


def _post(at: Accounts, props: Mapping[str, Any], owner: ownership.Owner | None) -> dict[str, Any]:
    """POST the account; a lost answer is looked up by its attempt's mark before posting again."""
    route = f"POST {at.path}"
    lost: list[ownership.Mark] = []
    seen: set[ownership.Mark | None] = set()  # lost attempts a listing found
    mine: list[dict[str, Any]] = []
    answer: dict[str, Any] | None = None
    for attempt in range(recovery.MAX_ATTEMPTS):
        mark = claims.new_mark(owner, props.get("name") or DEFAULT_NAME, attempt)
        data = {k: props[k] for k in ("username", "email") if props.get(k)}
        name = claims.with_mark(props.get("name") or (DEFAULT_NAME if mark else None), mark)
        if name:
            data["name"] = name
        try:
            answer = _manager(at).create(data, **NO_LIBRARY_RETRIES).attributes
            break
        except Exception as err:
            if not is_lost_answer(err):
                refused = translate(at.home.token_kind, route, err)
                if refused.status == 400 and "has already been taken" in (refused.gitlab_message or ""):
                    answer = _taken(at, props, owner, refused)
                    break
                raise refused from None
            if mark is None:  # an instance that marks nothing cannot tell its account from others
                raise GitLabTokenError(
                    f"The answer to {route} was lost ({type(err).__name__}); GitLab may have made the account. "
                    f"Look at the {at.home.parent}'s service accounts (Settings > Service accounts) and delete a stray "
                    f"one before running `pulumi up` again") from None
            lost.append(mark)
        mine = [a for a in _accounts(at) if claims.mark_in(a.get("name")) in lost]
        seen.update(claims.mark_in(a.get("name")) for a in mine)
        if mine:
            answer = max(mine, key=lambda a: int(a["id"]))
            break
        time.sleep(recovery.RETRY_PAUSE_SECONDS * (attempt + 1))
    if answer is None:
        raise GitLabTokenError(
            f"Creating a service account on {route} failed {recovery.MAX_ATTEMPTS} times without an answer, and "
            f"the {at.home.parent} lists no account from these attempts. Try again later: if one lands late, the "
            f"next `pulumi up` adopts or deletes it (its name carries this resource's mark).")
    # Attempts that landed besides the one kept go; one listing more if a lost one was not seen yet.
    landed = _accounts(at) if set(lost) - seen else mine
    for account in landed:
        if claims.mark_in(account.get("name")) in lost and integral(account.get("id")) != integral(answer.get("id")):
            _delete(at, int(account["id"]))
    return answer


def _taken(at: Accounts, props: Mapping[str, Any], owner: ownership.Owner | None,
           refused: GitLabTokenError) -> dict[str, Any]:
    """The account holding the ``username`` or ``email`` GitLab says is taken, if this resource made it;
    else an error naming it."""
    asked = {k: str(props[k]) for k in ("username", "email") if props.get(k)}
    holders = [a for a in _accounts(at)
               if any(str(a.get(k) or "").casefold() == v.casefold() for k, v in asked.items())]
    for account in holders:
        if _claimed(account, owner) and not _is_held(account.get("id")):
            _hold(account["id"])
            if _fits(account, props):
                return account
    if not holders:
        raise GitLabTokenError(
            f"{refused.message} No service account of {at.named} holds it: a user or group elsewhere on the "
            f"instance does. Choose another {' or '.join(asked)}.") from None
    named = ", ".join(f"id {a.get('id')} ({a.get('username')!r}, {a.get('email')!r})" for a in holders)
    account = holders[0]
    why = ("it is held by another resource of this stack, or does not fit this resource's inputs"
           if _claimed(account, owner) else claims.whose(account.get("name")))
    raise GitLabTokenError(
        f"The service account {named} of {at.named} already has the {' or '.join(asked)} this resource "
        f"asks for, and this resource cannot take it: {why}. It is left as it is. If it is a leftover of "
        f"yours, delete it in GitLab and run `pulumi up` again; otherwise choose another "
        f"{' or '.join(asked)}.") from None


def _accounts(at: Accounts) -> list[dict[str, Any]]:
    """Every service account of the parent (``id``, ``username``, ``name``, ``email``), oldest first."""
    route = f"GET {at.path}"
    listed = _call(at, route, lambda: every_page(
        lambda page: _manager(at).list(page=page, per_page=LIST_PAGE_SIZE, get_all=False, order_by="id",
                                       sort="asc", **NO_LIBRARY_RETRIES),
        lambda most: f"GitLab listed more than {most} service accounts on {route}; check that gitlab:baseUrl "
                     f"points at GitLab (it keeps naming a next page)"))
    return [dict(a.attributes) for a in listed]


def _delete(at: Accounts, account_id: int) -> None:
    """Delete ``account_id``; one GitLab no longer has counts as deleted."""
    route = f"DELETE {at.path}/{account_id}"
    try:
        _call(at, route, lambda: _manager(at).delete(account_id, **NO_LIBRARY_RETRIES))
    except GitLabTokenError as err:
        if err.status == 404 and "user not found" in (err.gitlab_message or "").lower():
            return
        raise


def _held_key() -> str:
    """Accounts are held with :func:`ownership.hold` among users: user ids are not token ids."""
    return gitlab_client.id_space("users")


def _hold(account_id: Any) -> None:
    """The state holds ``account_id``, or this run made or adopted it: no create may take it."""
    ownership.hold(_held_key(), integral(account_id))


def _is_held(account_id: Any) -> bool:
    return ownership.is_held(_held_key(), integral(account_id))


def _hold_state(props: Mapping[str, Any]) -> None:
    account_id = integral(props.get("service_account_id"))
    if account_id is not None:
        _hold(account_id)


def replacing_changes(home: AccountHome, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The inputs whose change replaces the account. One left out is no change: GitLab keeps the
    name, username and email it chose, which the outputs show."""
    return [k for k in home.inputs if news.get(k) is not None and (is_unknown(news[k]) or olds.get(k) != news[k])]


def preview_failures(home: AccountHome, parent: Any) -> list[CheckFailure]:
    """Why GitLab would refuse to create an account in ``parent``: a caller below the role that manages
    accounts there (nor administrator), a GitLab without the routes, or a nested parent on a GitLab that
    makes accounts at the top level only (an unknown version is given the benefit of the doubt)."""
    if parent is None or is_unknown(parent):
        return []
    at = Accounts(home, str(parent))
    route = f"POST {at.path}"
    found = preview_checks.caller_and_role(home.token_kind, at.ref, route)
    if isinstance(found, list):
        return found
    caller, role = found
    import gitlab.exceptions  # loaded by the caller lookup already (see gitlab_client)

    def refused(message: str, status: int) -> str:
        return translate(home.token_kind, route, gitlab.exceptions.GitlabCreateError(message, status)).message

    if caller.is_resource_bot or role < home.creator_level:
        return [CheckFailure(home.parent, refused("403 Forbidden", 403))]
    if home.routes_since is not None:
        release = preview_checks.gitlab_release()
        if release is not None and release < home.routes_since:
            since = ".".join(map(str, home.routes_since))
            return [CheckFailure(home.parent, f"{refused('404 Not Found', 404)} GitLab {release[0]}.{release[1]} "
                                              f"has no {home.resource_name} routes: upgrade GitLab to {since} "
                                              f"or later")]
    if home.nested_since is not None:
        return _nested_failures(at, home.nested_since, route, refused)
    return []


def _nested_failures(at: Accounts, since: tuple[int, int], route: str,
                     refused: Callable[[str, int], str]) -> list[CheckFailure]:
    """Why GitLab would refuse an account in a nested parent (a subgroup) before release ``since``."""
    home = at.home
    try:
        parent_id = gitlab_client.read_path(at.parent_path).get("parent_id")
    except Exception as err:
        return [CheckFailure(home.parent, translate(home.token_kind, route, err).message)]
    release = preview_checks.gitlab_release() if parent_id is not None else None
    if parent_id is not None and release is not None and release < since:
        return [CheckFailure(home.parent, f"{refused(f'400 Bad request - {SUBGROUP_REFUSAL}', 400)} GitLab "
                                          f"{release[0]}.{release[1]} makes service accounts in top-level groups "
                                          f"only (subgroups from {since[0]}.{since[1]}); use the top-level group")]
    return []


def _manager(at: Accounts) -> Any:
    """python-gitlab's service-account manager of the parent (loaded here: see gitlab_client)."""
    from ..client.gitlab_objects import ParentRef, python_gitlab_manager

    gl = gitlab_client.admin_client()
    manager = python_gitlab_manager(at.home.manager)
    return manager(gl, parent=ParentRef(getattr(gl, at.home.token_kind.collection), {"id": at.ref}, lazy=True))


def _call(at: Accounts, route: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except Exception as err:  # python-gitlab and requests raise many types; all are translated
        raise translate(at.home.token_kind, route, err) from None


def _located(home: AccountHome, id_: str, props: Mapping[str, Any]) -> tuple[Accounts, int]:
    parent_part, _, id_part = (id_ or "").rpartition(":")
    account_id = integral(props.get("service_account_id")) or (int(id_part) if id_part.isdigit() else None)
    parent = props.get(home.parent) or parent_part
    if not parent or account_id is None:
        raise GitLabTokenError(f"cannot tell which service account {scrub(id_)!r} is: expected an id like "
                               f"'<{home.parent}>:<service account id>'")
    return Accounts(home, str(parent)), account_id


def _outputs(at: Accounts, inputs: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as given (the parent), then what GitLab says about the account."""
    return {
        at.home.parent: inputs[at.home.parent],
        "service_account_id": integral(answer.get("id")),
        "name": claims.without_mark(answer.get("name")),
        "username": answer.get("username"),
        "email": answer.get("email"),
    }

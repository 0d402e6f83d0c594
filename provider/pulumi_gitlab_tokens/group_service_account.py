"""The provider of ``GroupServiceAccount``: a group's service account (a user), not a token.

Routes (``lib/api/group_service_accounts.rb``): ``POST /groups/:id/service_accounts``
(optional ``name``, ``username``, ``email``; 201 with ``id``, ``username``, ``name``,
``email``), ``GET`` of the same path (the list: GitLab has no route for one account)
and ``DELETE /groups/:id/service_accounts/:user_id`` (204). A group Owner or an
administrator may call them (``admin_service_accounts``: a bare ``403`` otherwise),
and only on a top-level group (``create_service_account`` has ``~has_parent``: a
subgroup answers ``400 ... User does not have permission to create a service account
in this group.``).

An account holds no secret, so there is no ownership mark and no recovery: a create
whose answer is lost is not retried (a retry with the same ``username`` would be
refused as taken, and one without would make a second account); the error says to
look in the group. Every input replaces the account: GitLab's ``PATCH`` is not used.

API calls per operation: ``check`` 0 (for an account about to be created, the preview
checks' ``GET /user``, ``GET /groups/:id/members/all/:user_id`` and ``GET /groups/:id``),
``diff`` 0, ``create`` 1 POST, ``read`` 1 GET per 100 accounts of the group, ``delete``
1 DELETE.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Callable, Mapping, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult, ReadResult
from pulumi.dynamic import ResourceProvider

from . import catalogue, characters, gitlab_client, preview_checks, serving
from .errors import GitLabTokenError, scrub
from .gitlab_client import NO_LIBRARY_RETRIES
from .gitlab_errors import is_lost_answer, translate
from .inputs import integral, is_unknown, parse_parent
from .kinds import GROUP_SERVICE_ACCOUNT as TOKEN_KIND
from .reporting import reported
from .token_endpoints import LIST_PAGE_SIZE, every_page

#: The inputs, in the order messages list them; every one replaces the account when it changes.
INPUTS = ("group", "name", "username", "email")
#: What GitLab computes.
COMPUTED = ("service_account_id",)
#: GitLab's answer to a caller who may not create an account in a subgroup.
SUBGROUP_REFUSAL = "User does not have permission to create a service account in this group."

T = TypeVar("T")


def _optional_text(field: str, value: Any, *, email: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{field} is empty: leave it out to let GitLab choose one")
    characters.refuse_unsafe(field, value)
    if len(value) > catalogue.NAME_MAX_LENGTH:
        raise ValueError(f"{field} is {len(value)} characters long; GitLab allows at most {catalogue.NAME_MAX_LENGTH}")
    if email and "@" not in value:
        raise ValueError(f"email {value!r} is not an email address; leave it out for GitLab's "
                         f"<username>@noreply.<host>")
    return value


def check_account_inputs(news: Mapping[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
    """The checked inputs and the failures, each naming its field and the fix."""
    checked: dict[str, Any] = {}
    failures: list[CheckFailure] = []
    for key in sorted(k for k in news if k not in INPUTS and k != "__provider" and news[k] is not None):
        reason = (f"{key} is computed by GitLab and cannot be set" if key in COMPUTED
                  else f"{key} is not an input of GroupServiceAccount; the inputs are: {', '.join(INPUTS)}")
        failures.append(CheckFailure(characters.escape_unsafe(str(key)), reason))
    parsers: dict[str, Callable[[Any], Any]] = {
        "group": lambda v: parse_parent(TOKEN_KIND, v),
        "name": lambda v: _optional_text("name", v),
        "username": lambda v: _optional_text("username", v),
        "email": lambda v: _optional_text("email", v, email=True),
    }
    for key, parse in parsers.items():
        value = news.get(key)
        if value is None and key != "group":
            continue
        if is_unknown(value):
            checked[key] = value
            continue
        try:
            checked[key] = parse(value)
        except ValueError as err:
            failures.append(CheckFailure(key, characters.escape_unsafe(str(err))))
    return checked, failures


class GroupServiceAccountProvider(ResourceProvider):
    """Create, read and delete a group's service account."""

    def configure(self, req: ConfigureRequest) -> None:
        gitlab_client.configure(gitlab_client.settings_from_config(req.config.get))
        serving.serve_everything_the_engine_sends()  # the SDK's pool serves 4 calls at a time

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs; for an account about to be created, ask whether GitLab would allow it."""
        checked, failures = check_account_inputs(news)
        replacing = not olds or bool(replacing_changes(olds, checked))
        if not failures and replacing and gitlab_client.current_settings().preview_checks:
            try:
                failures = preview_failures(checked.get("group"))
            except Exception as err:
                failures = [CheckFailure("", preview_checks.describe_failure(err))]
        return CheckResult(checked, failures)

    @reported("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """A change of a given input replaces the account; no API call.

        The old account goes first when a given ``username`` or ``email`` stays the same:
        GitLab refuses one that is taken, so create-before-delete could not succeed.
        """
        replaces = replacing_changes(olds, news)
        kept_unique = any(news.get(k) is not None and not is_unknown(news.get(k)) and olds.get(k) == news.get(k)
                          for k in ("username", "email"))
        return DiffResult(changes=bool(replaces), replaces=replaces or None,
                          delete_before_replace=bool(replaces) and kept_unique)

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST; the id is pulumi-gitlab's import id, ``<group>:<service account id>``."""
        group = str(props["group"])
        data = {k: props[k] for k in ("name", "username", "email") if props.get(k)}
        route = f"POST {_path(group)}"
        try:
            answer = _manager(group).create(data, **NO_LIBRARY_RETRIES).attributes
        except Exception as err:
            if is_lost_answer(err):
                raise GitLabTokenError(
                    f"The answer to {route} was lost ({type(err).__name__}); GitLab may have made the account. "
                    f"Look at the group's service accounts (Settings > Service accounts) and delete a stray one "
                    f"before running `pulumi up` again") from None
            raise translate(TOKEN_KIND, route, err) from None
        account_id = integral(answer.get("id"))
        if account_id is None:
            raise GitLabTokenError(f"GitLab's answer on {route} names no account id; check gitlab:baseUrl")
        return CreateResult(f"{group}:{account_id}", _outputs(props, answer))

    @reported("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The group's accounts, listed (GitLab has no route for one); a deleted account leaves the state."""
        group, account_id = _located(id_, props)
        route = f"GET {_path(group)}"
        listed = _call(route, lambda: every_page(
            lambda page: _manager(group).list(page=page, per_page=LIST_PAGE_SIZE, get_all=False, order_by="id",
                                              **NO_LIBRARY_RETRIES),
            lambda most: f"GitLab listed more than {most} service accounts on {route}; check that gitlab:baseUrl "
                         f"points at GitLab (it keeps naming a next page)"))
        found = [a.attributes for a in listed if integral(a.attributes.get("id")) == account_id]
        if not found:
            return ReadResult(None, {})
        current = {k: v for k, v in props.items() if k in INPUTS}
        current.setdefault("group", group)
        return ReadResult(id_, _outputs(current, found[0]))

    @reported("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; an account GitLab no longer has counts as deleted."""
        group, account_id = _located(id_, props)
        route = f"DELETE {_path(group)}/{account_id}"
        try:
            _call(route, lambda: _manager(group).delete(account_id, **NO_LIBRARY_RETRIES))
        except GitLabTokenError as err:
            if err.status == 404 and "user not found" in (err.gitlab_message or "").lower():
                return
            raise


def replacing_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The inputs whose change replaces the account. One left out is no change: GitLab keeps the
    name, username and email it chose, which the outputs show."""
    return [k for k in INPUTS if news.get(k) is not None and (is_unknown(news[k]) or olds.get(k) != news[k])]


def preview_failures(group: Any) -> list[CheckFailure]:
    """Why GitLab would refuse to create an account in ``group``: not Owner (nor administrator), or a subgroup."""
    if group is None or is_unknown(group):
        return []
    route = f"POST {_path(str(group))}"
    found = preview_checks.caller_and_role(TOKEN_KIND, str(group), route)
    if isinstance(found, list):
        return found
    caller, role = found
    import gitlab.exceptions  # loaded by the caller lookup already (see gitlab_client)

    if caller.is_resource_bot or role < catalogue.ACCESS_LEVELS["owner"]:
        refused = gitlab.exceptions.GitlabCreateError("403 Forbidden", 403)
        return [CheckFailure("group", translate(TOKEN_KIND, route, refused).message)]
    try:
        parent_id = gitlab_client.read_path(f"/groups/{urllib.parse.quote(str(group), safe='')}").get("parent_id")
    except Exception as err:
        return [CheckFailure("group", translate(TOKEN_KIND, route, err).message)]
    if parent_id is not None:
        refused = gitlab.exceptions.GitlabCreateError(f"400 Bad request - {SUBGROUP_REFUSAL}", 400)
        return [CheckFailure("group", f"{translate(TOKEN_KIND, route, refused).message} GitLab makes service "
                                      f"accounts in top-level groups only; use the top-level group")]
    return []


def _path(group: str) -> str:
    return f"/groups/{urllib.parse.quote(group, safe='')}/service_accounts"


def _manager(group: str) -> Any:
    """python-gitlab's service-account manager of ``group`` (loaded here: see gitlab_client)."""
    from gitlab.v4.objects import GroupServiceAccountManager

    from .gitlab_objects import ParentRef

    gl = gitlab_client.admin_client()
    return GroupServiceAccountManager(gl, parent=ParentRef(gl.groups, {"id": group}, lazy=True))


def _call(route: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except Exception as err:  # python-gitlab and requests raise many types; all are translated
        raise translate(TOKEN_KIND, route, err) from None


def _located(id_: str, props: Mapping[str, Any]) -> tuple[str, int]:
    group_part, _, id_part = (id_ or "").rpartition(":")
    account_id = integral(props.get("service_account_id")) or (int(id_part) if id_part.isdigit() else None)
    group = props.get("group") or group_part
    if not group or account_id is None:
        raise GitLabTokenError(f"cannot tell which service account {scrub(id_)!r} is: expected an id like "
                               f"'<group>:<service account id>'")
    return str(group), account_id


def _outputs(inputs: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as given (``group``), then what GitLab says about the account."""
    return {
        "group": inputs["group"],
        "service_account_id": integral(answer.get("id")),
        "name": answer.get("name"),
        "username": answer.get("username"),
        "email": answer.get("email"),
    }

"""The providers against the GitLab sandbox: every branch of check, diff, create, read, update, delete.

Provider methods are called directly, in the order the engine calls them
(:class:`EngineLike`). Both clocks - the provider's (``GITLAB_TESTING_TIME``)
and the sandbox's - are moved together. API calls are counted with the
sandbox's counters, and after every test no token value or credential may
appear in logs, output or error messages.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import traceback
from typing import Any, Callable

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from support.sandbox import running_sandbox
from support.sandbox_fixtures import sandbox  # noqa: F401  (a fixture other modules import from here)

from pulumi_gitlab_tokens import GitLabTokenError, kinds
from pulumi_gitlab_tokens.client import gitlab_client, gitlab_errors
from pulumi_gitlab_tokens.common import clock
from pulumi_gitlab_tokens.common.errors import CredentialMissingError
from pulumi_gitlab_tokens.lifecycle import recovery, token_endpoints
from pulumi_gitlab_tokens.lifecycle.provider import (
    UNCONFIRMED_KEY,
    AccessTokenProvider,
    GroupAccessTokenProvider,
    ProjectAccessTokenProvider,
)
from pulumi_gitlab_tokens.rules import ownership

START = "2026-03-01T12:00:00Z"
TODAY = dt.date(2026, 3, 1)

pytestmark = pytest.mark.timeout(120)


#: The one listing of a project per run, at its first create, that finds what a dead run left.
FIRST_LISTING = {"GET /projects/:id/access_tokens": 1}


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


class Clocks:
    """Moves the provider's and the sandbox's "now" together."""

    def __init__(self, sb, monkeypatch) -> None:
        self.sb, self.monkeypatch = sb, monkeypatch

    def at(self, when: str | dt.date) -> None:
        text = f"{when.isoformat()}T12:00:00Z" if isinstance(when, dt.date) else when
        self.monkeypatch.setenv(clock.TESTING_TIME_ENV, text)
        self.sb.set_time(text)

    def days_later(self, offset: int) -> None:
        self.at(TODAY + dt.timedelta(days=offset))


@pytest.fixture
def world(sandbox, monkeypatch, caplog, capsys):
    """A clean sandbox with group ``acme`` and project ``acme/app``, clocks at START; checks for leaks after."""
    sandbox.reset()
    sandbox.clear_faults()
    clocks = Clocks(sandbox, monkeypatch)
    clocks.at(START)
    group = sandbox.create_group("acme")
    project = sandbox.create_project("app", group["id"])
    sandbox.reset_counters()
    caplog.set_level(logging.DEBUG)
    w = World(sandbox, clocks, group, project)
    yield w
    sandbox.clear_faults()
    secrets = w.secrets()
    captured = capsys.readouterr()
    for text in (caplog.text, captured.out, captured.err, *w.messages):
        for secret in secrets:
            assert secret not in text, "a secret leaked into logs, output or an error message"


class World:
    def __init__(self, sb, clocks: Clocks, group: dict, project: dict) -> None:
        self.sb, self.clocks, self.group, self.project = sb, clocks, group, project
        self.messages: list[str] = []
        self.values: set[str] = set()

    def provider(self, cls: type[AccessTokenProvider] = ProjectAccessTokenProvider, *, token: str | None = "admin"):
        provider = cls()
        config: dict[str, Any] = {"gitlab:baseUrl": self.sb.base_url + "/api/v4"}
        if token:
            config["gitlab:token"] = self.sb.admin_token if token == "admin" else token
        provider.configure(ConfigureRequest(Config(config, "infra")))
        pickled = base64.b64decode(serialize_provider(provider))
        assert self.sb.admin_token.encode() not in pickled
        return provider

    def calls(self) -> dict[str, int]:
        counts = {k.replace("/api/v4", ""): v for k, v in self.sb.counters().items() if k != "total"}
        self.sb.reset_counters()
        return counts

    def active_tokens(self, name: str | None = None) -> list[dict]:
        return [t for t in self.sb.tokens() if t["active"] and (name is None or t["name"] == name)]

    def expect_error(self, fn, *args) -> GitLabTokenError:
        """Call ``fn``; it must raise GitLabTokenError, reported the way the servicer does it."""
        with pytest.raises(GitLabTokenError, match=r"\A[^\n]+\Z") as caught:
            fn(*args)
        # The dynamic-provider servicer sends traceback.format_exc() to the engine.
        shown = "".join(traceback.format_exception(caught.value))
        assert shown.rstrip().endswith(f"GitLabTokenError: {caught.value}")
        assert "During handling of the above exception" not in shown and "direct cause" not in shown
        self.messages += [str(caught.value), shown]
        return caught.value

    def secrets(self) -> set[str]:
        return {self.sb.admin_token} | self.values


class EngineLike:
    """Drives one resource as the engine does: check, then diff, then create / update / replace."""

    def __init__(self, world: World, provider: AccessTokenProvider, news: dict[str, Any]) -> None:
        self.world, self.provider, self.news = world, provider, dict(news)
        self.inputs: dict[str, Any] = {}
        self.id: str | None = None
        self.outs: dict[str, Any] = {}

    def check(self, news: dict[str, Any] | None = None) -> dict[str, Any]:
        if news is not None:
            self.news = dict(news)
        result = self.provider.check(self.inputs, dict(self.news))
        assert result.failures == [], [(f.property, f.reason) for f in result.failures]
        return result.inputs

    def up(self, news: dict[str, Any] | None = None) -> str:
        checked = self.check(news)
        if self.id is None:
            created = self.provider.create(checked)
            self._store(created.id, created.outs, checked)
            return "create"
        diff = self.provider.diff(self.id, self.outs, checked)
        if diff.replaces:
            old_id, old_outs = self.id, self.outs
            created = self.provider.create(checked)  # create before delete, the engine's default
            self.provider.delete(old_id, old_outs)
            self._store(created.id, created.outs, checked)
            return "replace"
        if diff.changes:
            updated = self.provider.update(self.id, self.outs, checked)
            self._store(self.id, updated.outs, checked)
            return "update"
        self.inputs = checked
        return "same"

    def refresh(self) -> bool:
        result = self.provider.read(self.id, self.outs)
        if not result.id:
            self.id, self.outs = None, {}
            return False
        self.outs = result.outs
        return True

    def destroy(self) -> None:
        self.provider.delete(self.id, self.outs)

    # --- walks every kind takes alike -------------------------------------------------------

    def deleted_outside_pulumi(self, path: str, read_route: str, listed: Callable[[], list[dict]]) -> None:
        """Delete the token at ``path`` as an administrator: a refresh (one call on ``read_route``) drops it
        from the state, and the next ``up`` creates the one token ``listed`` then shows."""
        self.world.sb.api("DELETE", path, expect=204)
        self.world.calls()
        assert self.refresh() is False
        assert self.world.calls() == {read_route: 1}
        assert self.up() == "create"
        assert [t["id"] for t in listed()] == [self.outs["token_id"]]

    def destroyed_twice(self, delete_route: str, listed: Callable[[], list[dict]]) -> None:
        """``destroy`` is one DELETE and leaves nothing ``listed``; again, GitLab's 404 counts as deleted."""
        self.world.calls()
        self.destroy()
        assert self.world.calls() == {delete_route: 1}
        assert listed() == []
        self.world.calls()
        self.destroy()
        assert self.world.calls() == {delete_route: 1}

    def _store(self, id_: str, outs: dict[str, Any], checked: dict[str, Any]) -> None:
        self.id, self.outs, self.inputs = id_, outs, checked
        if outs.get("token"):
            self.world.values.add(outs["token"])


def rotating(**overrides: Any) -> dict[str, Any]:
    news = {
        "project": "acme/app",
        "name": "deploy-bot",
        "scopes": ["read_registry"],
        "access_level": "developer",
        "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7},
    }
    news.update(overrides)
    return news


def fixed(**overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "name": "ci", "scopes": ["read_api"], "expires_at": day(60)}
    news.update(overrides)
    return news


def authenticates_as(sb, token: str) -> int | None:
    """The token id GitLab sees for ``token``, or None if it does not authenticate."""
    status, _, body = sb.request("GET", "/api/v4/personal_access_tokens/self", token=token)
    return body["id"] if status == 200 else None


# --- check and diff make no call ------------------------------------------------------------


def test_check_makes_no_call_even_for_bad_input(world):
    provider = world.provider()
    assert provider.check({}, rotating()).failures == []
    bad = provider.check({}, rotating(scopes=["nope"], access_level="boss"))
    assert {f.property for f in bad.failures} == {"scopes", "access_level"}
    assert world.calls() == {}


# --- create ------------------------------------------------------------------------------------


def test_create_is_one_post_with_secret_value_and_pulumi_gitlab_id(world):
    token = EngineLike(world, world.provider(), rotating(description="pulls images"))
    assert token.up() == "create"
    assert world.calls() == {"POST /projects/:id/access_tokens": 1, **FIRST_LISTING}
    outs = token.outs
    assert token.id == f"acme/app:{outs['token_id']}"
    assert outs["token"].startswith("glpat-")
    assert outs["expires_at"] == day(30) == token.inputs["expires_at"]
    assert (outs["access_level"], outs["scopes"], outs["name"], outs["description"]) == (
        "developer", ["read_registry"], "deploy-bot", "pulls images")
    assert (outs["active"], outs["revoked"]) == (True, False)
    assert outs["rotation_configuration"] == {"expiration_days": 30, "rotate_before_days": 7}
    assert authenticates_as(world.sb, outs["token"]) == outs["token_id"]
    (live,) = world.active_tokens()
    assert (live["id"], live["user_id"], live["access_level"]) == (outs["token_id"], outs["user_id"], 30)


def test_create_by_numeric_project_id(world):
    token = EngineLike(world, world.provider(), fixed(project=world.project["id"]))
    token.up()
    assert token.id == f"{world.project['id']}:{token.outs['token_id']}"
    assert token.outs["project"] == str(world.project["id"])


def test_group_token_lifecycle(world):
    provider = world.provider(GroupAccessTokenProvider)
    token = EngineLike(world, provider, {"group": "acme", "name": "ci", "scopes": ["api"], "expires_at": day(30)})
    token.up()
    assert world.calls() == {"POST /groups/:id/access_tokens": 1, "GET /groups/:id/access_tokens": 1}
    assert token.id.startswith("acme:")
    assert token.refresh() and world.calls() == {"GET /groups/:id/access_tokens/:token_id": 1}
    token.destroy()
    assert world.calls() == {"DELETE /groups/:id/access_tokens/:token_id": 1}
    assert world.active_tokens() == []


def test_create_in_a_missing_project_is_one_readable_line(world):
    token = EngineLike(world, world.provider(), fixed(project="acme/ghost"))
    err = world.expect_error(token.up)
    assert str(err) == (
        "GitLab answered 404 Not Found on POST /projects/acme%2Fghost/access_tokens: 404 Project Not Found. "
        "The project does not exist or the credential cannot see it; check the project input and that the "
        "credential's user is a member."
    )
    assert world.sb.tokens() == []


def test_create_without_the_role_says_which_role(world):
    user = world.sb.create_user("dev")
    world.sb.add_member("project", world.project["id"], user["id"], 30)
    credential = world.sb.create_user_token(user["id"], ["api"])
    world.values.add(credential)
    token = EngineLike(world, world.provider(token=credential), fixed())
    err = world.expect_error(token.up)
    assert err.status == 400
    assert "does not have permission to create project access token" in str(err)
    assert "needs Maintainer (or higher) on the project" in str(err)


def test_create_with_a_read_only_credential_names_the_scope(world):
    credential = world.sb.create_user_token(1, ["read_api"])
    world.values.add(credential)
    err = world.expect_error(EngineLike(world, world.provider(token=credential), fixed()).up)
    assert err.status == 403 and "`api` scope" in str(err)


def test_create_with_a_bad_credential(world):
    err = world.expect_error(EngineLike(world, world.provider(token="glpat-wrongwrongwrong0000"), fixed()).up)
    assert err.status == 401 and "gitlab:token" in str(err)


def test_create_without_any_credential_says_how_to_set_one(world):
    token = EngineLike(world, world.provider(token=None), fixed())
    with pytest.raises(CredentialMissingError, match="pulumi config set --secret gitlab:token"):
        token.up()
    assert world.calls() == {}


def test_a_credential_exported_with_a_trailing_newline_works(world, monkeypatch):
    # `export GITLAB_TOKEN=$(cat file)` keeps no newline, but a CI variable often does;
    # unstripped, requests refused the header with the value in its message.
    monkeypatch.setenv("GITLAB_TOKEN", world.sb.admin_token + "\n")
    assert EngineLike(world, world.provider(token=None), fixed()).up() == "create"
    assert world.calls() == {"POST /projects/:id/access_tokens": 1, **FIRST_LISTING}


def test_lifetime_beyond_the_instance_limit_is_gitlabs_400_when_config_claims_more(world):
    provider = world.provider()
    gitlab_client.configure(
        gitlab_client.Settings(base_url=world.sb.base_url, token=world.sb.admin_token, max_lifetime_days=400))
    err = world.expect_error(EngineLike(world, provider, fixed(expires_at=day(390))).up)
    assert err.status == 400 and "gitlab-tokens:maxTokenLifetimeDays" in str(err)


# --- read ------------------------------------------------------------------------------------------


def test_read_is_one_get_and_keeps_the_value(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    value = token.outs["token"]
    world.calls()
    assert token.refresh()
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}
    assert token.outs["token"] == value and token.outs["active"] is True
    assert token.up() == "same"
    assert world.calls() == {}


def test_read_of_a_deleted_token_removes_it_from_the_state(world):
    provider = world.provider()
    result = provider.read("acme/app:999", {"project": "acme/app", "token_id": 999.0, "token": "x"})
    assert (result.id, result.outs) == (None, {})


def test_read_when_the_project_is_invisible_is_an_error_not_a_removal(world):
    provider = world.provider()
    err = world.expect_error(provider.read, "acme/gone:5", {"project": "acme/gone", "token_id": 5.0})
    assert err.status == 404 and "cannot see it" in str(err)


def test_revoked_outside_pulumi_shows_as_drift_and_up_replaces_it(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    old_id, old_value = token.outs["token_id"], token.outs["token"]
    world.sb.api("DELETE", f"/projects/{world.project['id']}/access_tokens/{old_id}", expect=204)
    token.refresh()
    assert (token.outs["revoked"], token.outs["active"]) == (True, False)
    world.calls()
    diff = token.provider.diff(token.id, token.outs, token.check())
    assert diff.replaces == ["revoked"] and world.calls() == {}
    assert token.up() == "replace"
    assert world.calls() == {
        "POST /projects/:id/access_tokens": 1,
        "DELETE /projects/:id/access_tokens/:token_id": 1,
    }
    assert token.outs["token_id"] != old_id and token.outs["token"] != old_value
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]


def test_expired_fixed_date_token_shows_inactive_and_stays(world):
    token = EngineLike(world, world.provider(), fixed(expires_at=day(10)))
    token.up()
    world.clocks.days_later(11)
    token.refresh()
    assert (token.outs["active"], token.outs["revoked"]) == (False, False)
    world.calls()
    assert token.up() == "same", "a past fixed date is neither rejected again nor renewed"
    assert world.calls() == {}


def test_replacing_an_expired_fixed_date_token_is_refused_at_preview_and_create(world):
    token = EngineLike(world, world.provider(), fixed(expires_at=day(10)))
    token.up()
    world.clocks.days_later(20)
    token.refresh()
    world.calls()
    result = token.provider.check(token.inputs, fixed(expires_at=day(10), scopes=["read_repository"]))
    assert [(f.property, f.reason) for f in result.failures] == [(
        "expires_at",
        f"expires_at {day(10)} is not in the future (today is {day(20)} UTC, and a token expires at the start "
        f"of its expiry date); pick a later date; changing scopes replaces the token with one that would get "
        f"this date",
    )]
    # Without check (or when a revoked token is replaced), create itself refuses.
    err = world.expect_error(token.provider.create, dict(token.inputs, scopes=["read_repository"]))
    assert str(err).startswith(f"Not creating token 'ci': expires_at {day(10)} is not in the future")
    assert world.calls() == {}
    assert token.up(fixed(expires_at=day(40), scopes=["read_repository"])) == "replace"


# --- update ----------------------------------------------------------------------------------------


def test_changing_expires_at_rotates_in_place(world):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    before = dict(token.outs)
    world.calls()
    assert token.up(fixed(expires_at=day(90))) == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}
    after = token.outs
    assert after["user_id"] == before["user_id"], "same bot user"
    assert after["token_id"] != before["token_id"] and after["token"] != before["token"]
    assert after["expires_at"] == day(90)
    assert token.id == f"acme/app:{before['token_id']}", "the resource id stays; token_id follows rotations"
    assert authenticates_as(world.sb, before["token"]) is None
    assert authenticates_as(world.sb, after["token"]) == after["token_id"]
    # Later calls use the current token id, not the one in the resource id.
    assert token.refresh() and token.outs["token_id"] == after["token_id"]
    token.destroy()
    assert world.active_tokens() == []


def test_rotation_window_rotates_on_a_scheduled_up(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    first = dict(token.outs)
    world.clocks.days_later(22)
    world.calls()
    assert token.up() == "same", "outside the window nothing happens"
    world.clocks.days_later(23)
    assert token.up() == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}
    assert token.outs["expires_at"] == day(23 + 30)
    assert token.outs["user_id"] == first["user_id"]


def test_update_uses_the_date_planned_at_preview(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    world.clocks.days_later(25)
    planned = token.check()
    assert planned["expires_at"] == day(55)
    world.clocks.days_later(26)  # the update runs the next day
    result = token.provider.update(token.id, token.outs, planned)
    world.values.add(result.outs["token"])
    assert result.outs["expires_at"] == day(55)


def test_expired_token_under_rotation_is_rotated_not_replaced(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    world.clocks.days_later(40)
    token.refresh()
    assert token.outs["active"] is False
    world.calls()
    assert token.up() == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}
    assert token.outs["active"] is True and token.outs["expires_at"] == day(70)


def test_input_change_needing_no_rotation_updates_without_a_call(world):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    world.calls()
    same_day = rotating(rotation_configuration={"expiration_days": 30, "rotate_before_days": 5})
    assert token.up(same_day) == "update"
    assert world.calls() == {}
    assert token.outs["rotation_configuration"] == {"expiration_days": 30, "rotate_before_days": 5}
    assert token.outs["token"] in world.values


@pytest.mark.parametrize(
    "change",
    [{"scopes": ["read_registry", "read_api"]}, {"access_level": "reporter"}, {"name": "renamed"},
     {"description": "now described"}],
)
def test_replacing_changes_create_then_revoke(world, change):
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    old = dict(token.outs)
    world.calls()
    assert token.up(rotating(**change)) == "replace"
    assert world.calls() == {"POST /projects/:id/access_tokens": 1, "DELETE /projects/:id/access_tokens/:token_id": 1}
    assert token.outs["user_id"] != old["user_id"], "a new bot user"
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]


def test_scope_order_and_level_number_do_not_replace(world):
    token = EngineLike(world, world.provider(), rotating(scopes=["read_registry", "read_api"]))
    token.up()
    world.calls()
    assert token.up(rotating(scopes=["read_api", "READ_REGISTRY"], access_level=30)) == "same"
    assert world.calls() == {}


# --- self-rotation ----------------------------------------------------------------------------------


def test_self_rotation_needs_no_admin_credential(world):
    token = EngineLike(world, world.provider(), fixed(scopes=["read_api", "self_rotate"]))
    token.up()
    old = dict(token.outs)
    token.provider = world.provider(token=None)
    world.calls()
    assert token.up(fixed(scopes=["read_api", "self_rotate"], expires_at=day(45))) == "update"
    # GitLab first confirms the value still authenticates: that GET has no reuse detection.
    assert world.calls() == {"GET /personal_access_tokens/self": 1, "POST /projects/:id/access_tokens/self/rotate": 1}
    assert token.outs["user_id"] == old["user_id"] and token.outs["expires_at"] == day(45)
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    assert authenticates_as(world.sb, old["token"]) is None


def test_self_rotate_token_is_rotated_by_id_when_an_admin_credential_is_set(world):
    token = EngineLike(world, world.provider(), fixed(scopes=["read_api", "self_rotate"]))
    token.up()
    world.calls()
    assert token.up(fixed(scopes=["read_api", "self_rotate"], expires_at=day(45))) == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}


def _rotated_outside_pulumi(world: World, token: EngineLike) -> dict:
    """Someone rotates the token in GitLab's UI and hands the new value to a consumer."""
    human = world.sb.api("POST", f"/projects/{world.project['id']}/access_tokens/{token.outs['token_id']}/rotate",
                         {"expires_at": day(40)}, expect=200)
    world.values.add(human["token"])
    world.calls()
    return human


@pytest.mark.parametrize("admin", [True, False], ids=["admin", "no admin"])
def test_a_self_rotate_token_rotated_outside_pulumi_never_trips_reuse_detection(world, admin):
    token = EngineLike(world, world.provider(), rotating(scopes=["self_rotate", "read_api"]))
    token.up()
    token.up()
    world.clocks.days_later(10)
    human = _rotated_outside_pulumi(world, token)
    world.clocks.days_later(24)
    if not admin:
        token.provider = world.provider(token=None)
    if admin:
        # The successor carries this resource's mark and bot user: it is this resource's token,
        # and the rotation goes on from it, by id (never with the stale value).
        assert token.up() == "update"
        assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 2,
                                 "GET /projects/:id/access_tokens": 1}
        (live,) = world.active_tokens()
        assert live["id"] == token.outs["token_id"] and live["user_id"] == human["user_id"]
        assert authenticates_as(world.sb, token.outs["token"]) == live["id"], "the token family survives"
    else:
        err = world.expect_error(token.up)  # a scheduled up without --refresh
        assert str(err).startswith("Token 'deploy-bot' (id ") and "no longer authenticates as itself" in str(err)
        assert world.calls() == {"GET /personal_access_tokens/self": 1}, "no rotate call with a stale value"
        assert authenticates_as(world.sb, human["token"]) == human["id"], "the token family survives"


def test_a_self_rotation_that_died_is_finished_by_id_never_by_the_stale_value(world):
    token = EngineLike(world, world.provider(), rotating(scopes=["self_rotate", "read_api"]))
    token.up()
    token.up()
    world.clocks.days_later(24)
    successor = _died_mid_rotation(world, token)
    assert token.up() == "update"
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] and live["user_id"] == successor["user_id"]
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_a_self_rotation_that_died_without_an_admin_credential_is_refused_before_any_rotate(world):
    token = EngineLike(world, world.provider(), rotating(scopes=["self_rotate", "read_api"]))
    token.up()
    token.up()
    world.clocks.days_later(24)
    successor = _died_mid_rotation(world, token)
    token.provider = world.provider(token=None)
    err = world.expect_error(token.up)
    assert "no longer authenticates as itself" in str(err) and "Set gitlab:token" in str(err)
    assert world.calls() == {"GET /personal_access_tokens/self": 1}, "asking is harmless; rotating would not be"
    assert authenticates_as(world.sb, successor["token"]) == successor["id"], "the token family survives"


def test_expired_self_rotate_token_falls_back_to_the_admin(world):
    token = EngineLike(world, world.provider(), rotating(scopes=["self_rotate"]))
    token.up()
    world.clocks.days_later(31)
    token.refresh()
    world.calls()
    assert token.up() == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}


# --- delete ------------------------------------------------------------------------------------------


def test_delete_is_one_delete_and_repeatable(world):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    world.calls()
    token.destroy()
    assert world.calls() == {"DELETE /projects/:id/access_tokens/:token_id": 1}
    assert world.active_tokens() == []
    token.destroy()  # already revoked
    token.provider.delete("acme/app:999", {"project": "acme/app", "token_id": 999.0})  # missing
    assert world.calls() == {"DELETE /projects/:id/access_tokens/:token_id": 2}


def test_delete_in_a_missing_project_stays_an_error_that_names_the_way_out(world):
    provider = world.provider()
    err = world.expect_error(provider.delete, "acme/gone:5", {"project": "acme/gone", "token_id": 5.0})
    assert err.status == 404 and "cannot tell which" in str(err)
    assert "pulumi state delete '<urn>'" in str(err) and "pulumi stack --show-urns" in str(err)


def test_delete_without_token_id_output_uses_the_id(world):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    token.provider.delete(token.id, {"project": "acme/app"})
    assert world.active_tokens() == []


# --- transient failures and lost answers ------------------------------------------------------------------


def test_rate_limits_are_waited_out(world):
    world.sb.set_faults(rate_limit_rate=0.5, retry_after=0, seed=3)
    tokens = [EngineLike(world, world.provider(), fixed(name=f"t{i}")) for i in range(4)]
    for token in tokens:
        token.up()
        assert token.refresh()
    assert sorted(t["name"] for t in world.active_tokens()) == ["t0", "t1", "t2", "t3"]


def test_server_errors_on_reads_and_deletes_are_retried(world, quick_retries):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    world.sb.set_faults(error_rate=0.5, error_status=503, methods=["GET", "DELETE"], seed=7)
    for _ in range(5):
        assert token.refresh()
    token.destroy()
    assert world.active_tokens() == []


def test_server_errors_on_create_never_leave_two_tokens(world):
    world.sb.set_faults(error_rate=0.5, error_status=502, methods=["POST"], seed=11)
    tokens = [EngineLike(world, world.provider(), fixed(name=f"t{i}")) for i in range(5)]
    for token in tokens:
        token.up()
    world.sb.clear_faults()
    for token in tokens:
        (live,) = world.active_tokens(token.outs["name"])
        assert live["id"] == token.outs["token_id"]
        assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_lost_create_answer_is_recovered_without_an_orphan(world):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    token = EngineLike(world, world.provider(), rotating())
    token.up()
    calls = world.calls()
    assert calls["POST /projects/:id/access_tokens"] == 1, "never re-POSTed after a committed create"
    assert calls["POST /projects/:id/access_tokens/:token_id/rotate"] == 1
    world.sb.clear_faults()
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] and live["expires_at"] == day(30)
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_lost_rotate_answer_is_recovered_without_an_orphan(world):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    bot = token.outs["user_id"]
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=0.5, seed=5)
    token.up(fixed(expires_at=day(90)))
    world.sb.clear_faults()
    (live,) = world.active_tokens()
    assert (live["id"], live["user_id"], live["expires_at"]) == (token.outs["token_id"], bot, day(90))
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_lost_answer_ends_with_one_active_token_per_resource(world, seed):
    world.sb.set_faults(drop_after_commit=["create", "rotate"], drop_rate=0.4, error_rate=0.1,
                        methods=["POST"], seed=seed)
    tokens = [EngineLike(world, world.provider(), rotating(name=f"bot{i}")) for i in range(3)]
    for token in tokens:
        token.up()
    world.clocks.days_later(25)
    for token in tokens:
        assert token.up() == "update"
    world.sb.clear_faults()
    for token in tokens:
        (live,) = world.active_tokens(token.outs["name"])
        assert live["id"] == token.outs["token_id"] and live["expires_at"] == day(55)
        assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_lost_answers_that_never_stop_end_in_a_clear_error(world):
    token = EngineLike(world, world.provider(), fixed())
    token.up()
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=1.0)
    err = world.expect_error(token.up, fixed(expires_at=day(90)))
    assert f"failed {recovery.MAX_ATTEMPTS} times without an answer" in str(err) and "pulumi refresh" in str(err)
    world.sb.clear_faults()
    assert len(world.active_tokens()) == 1, "still exactly one live token for the bot"


def test_unreachable_gitlab_is_a_clear_error(world):
    provider = world.provider()
    gitlab_client.configure(gitlab_client.Settings(base_url="http://127.0.0.1:9", token=world.sb.admin_token))
    err = world.expect_error(provider.read, "acme/app:1", {"project": "acme/app", "token_id": 1.0})
    assert str(err).startswith("GitLab at http://127.0.0.1:9 could not be reached on GET "
                               "/projects/acme%2Fapp/access_tokens/1: the connection was refused")
    assert "Check gitlab:baseUrl" in str(err)


# --- ownership marks: what a dead run or a late answer left -------------------------------------


def new_run() -> None:
    """What a new ``pulumi`` run (a fresh provider process) knows: nothing held, nothing listed."""
    ownership.forget_held()
    recovery.forget_listings()


def _declared(world: World, resource_name: str, stack: str = "org/app/dev") -> AccessTokenProvider:
    """A provider as the resource class makes it: naming its stack and its resource."""
    provider = world.provider()
    provider.owner, provider.resource = stack, f"pulumi-python:dynamic/gitlab:ProjectAccessToken::{resource_name}"
    return provider


def _post(world: World, news: dict[str, Any], description: str | None) -> dict:
    """A token made straight through the API, as a dead run, another stack or a person would."""
    body = {"name": news["name"], "scopes": news["scopes"], "access_level": 30, "expires_at": day(30)}
    if description is not None:
        body["description"] = description
    made = world.sb.api("POST", f"/projects/{world.project['id']}/access_tokens", body, expect=201)
    world.values.add(made["token"])
    return made


def _died_mid_create(world: World, provider: AccessTokenProvider, news: dict[str, Any]) -> dict:
    """What a SIGKILL during create leaves: a token GitLab committed with this resource's mark, no state."""
    checked = provider.check({}, dict(news)).inputs
    mark = provider._owner(checked).mark(0, checked["name"])
    orphan = _post(world, checked, ownership.marked(checked.get("description"), mark))
    world.calls()
    return orphan


def test_a_create_marks_its_token_and_lists_the_parent_once_per_run(world):
    provider = _declared(world, "deploy-bot")
    token = EngineLike(world, provider, rotating(description="deploys the app"))
    token.up()
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "POST /projects/:id/access_tokens": 1}
    other = EngineLike(world, _declared(world, "other"), rotating(name="other"))
    other.up()
    assert world.calls() == {"POST /projects/:id/access_tokens": 1}, "one listing per project per run"
    (live,) = world.active_tokens("deploy-bot")
    user_part, mark = ownership.parse(live["description"])
    assert user_part == "deploys the app" and provider._owner(token.inputs).awaited(live)
    assert mark == provider._owner(token.inputs).mark(0, "deploy-bot")
    assert token.outs["description"] == "deploys the app", "the output is what the user wrote"
    assert token.refresh() and token.outs["description"] == "deploys the app"
    assert token.up() == "same"
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}


def test_a_description_without_room_for_the_mark_is_a_preview_error(world):
    provider = world.provider()
    failures = provider.check({}, rotating(description="x" * 224)).failures
    assert [f.property for f in failures] == ["description"]
    assert "255" in failures[0].reason and "room for 223" in failures[0].reason
    assert provider.check({}, rotating(description="x" * 223)).failures == []
    assert world.calls() == {}


def test_a_create_that_died_is_adopted_by_rotation_on_a_new_run(world):
    provider = _declared(world, "deploy-bot")
    orphan = _died_mid_create(world, provider, rotating())
    new_run()
    token = EngineLike(world, provider, rotating())
    token.up()
    assert world.calls() == {"GET /projects/:id/access_tokens": 1,
                             "POST /projects/:id/access_tokens/:token_id/rotate": 1}
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] and live["user_id"] == orphan["user_id"]
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]
    assert authenticates_as(world.sb, orphan["token"]) is None


def test_a_create_that_died_with_other_inputs_has_its_orphan_revoked(world):
    provider = _declared(world, "deploy-bot")
    orphan = _died_mid_create(world, provider, rotating())
    new_run()
    token = EngineLike(world, provider, rotating(scopes=["read_api"]))
    token.up()
    calls = world.calls()
    assert calls["POST /projects/:id/access_tokens"] == 1
    assert calls["DELETE /projects/:id/access_tokens/:token_id"] == 1
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] and live["scopes"] == ["read_api"]
    assert authenticates_as(world.sb, orphan["token"]) is None


def test_tokens_of_others_are_never_adopted_or_revoked_however_alike(world):
    """Same name and spec: another stack's, another resource's, an unmarked and a lookalike token."""
    ours = _declared(world, "deploy-bot")
    alike = rotating()
    checked = ours.check({}, dict(alike)).inputs
    foreign_stack = _declared(world, "deploy-bot", stack="org/app/prod")._owner(checked).mark(0, "deploy-bot")
    other_resource = _declared(world, "deploy-bot-2")._owner(checked).mark(0, "deploy-bot")
    ours_digest = ownership.owner_digest(ours.owner, ours.resource)
    others = [
        _post(world, alike, ownership.marked(None, foreign_stack)),
        _post(world, alike, ownership.marked(None, other_resource)),
        _post(world, alike, None),
        _post(world, alike, f"[pgt:{ours_digest}.0000000] written by hand"),
        _post(world, alike, f"[pgt:{ours_digest.upper()}.00000000]"),
        _post(world, alike, f"[pgt:{ours_digest}.1234abcd]"),  # this resource's mark as computed before keys
    ]
    world.calls()
    new_run()
    token = EngineLike(world, ours, alike)
    token.up()
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "POST /projects/:id/access_tokens": 1}
    for made in others:
        assert authenticates_as(world.sb, made["token"]) == made["id"]
    assert len(world.active_tokens("deploy-bot")) == len(others) + 1


def _forger(world: World) -> str:
    """A Maintainer of the project: can list its tokens (marks included) and make tokens of their own."""
    user = world.sb.create_user(f"forger-{len(world.values)}")
    world.sb.add_member("project", world.project["id"], user["id"], 40)
    credential = world.sb.create_user_token(user["id"], ["api"])
    world.values.add(credential)
    return credential


@pytest.mark.parametrize("forged", ["computed from the names", "copied from a revoked token"])
@pytest.mark.parametrize("named", [True, False], ids=["declared name", "another name"])
def test_a_forged_mark_is_never_adopted_or_revoked_and_a_replay_cannot_revoke_ours(world, forged, named):
    """A Maintainer writes a mark into a token of their own, then the stack creates that resource again."""
    def declared(version: str) -> dict[str, Any]:
        return rotating(scopes=["read_api", "self_rotate"], description=f"deploys {version}")

    token = EngineLike(world, _declared(world, "deploy-bot"), declared("v1"))
    token.up()
    first = token.outs["token_id"]
    new_run()
    assert token.up(declared("v2")) == "replace"  # the first token is revoked; GitLab still lists it
    forger = _forger(world)
    path = f"/api/v4/projects/{world.project['id']}/access_tokens"
    listed = {t["id"]: t for t in world.sb.request("GET", path, token=forger)[2]}
    assert listed[first]["revoked"], "the copy's source is a revoked token of the same resource"
    digest = ownership.owner_digest(token.provider.owner, token.provider.resource)
    description = (f"deploys v3 [pgt:{digest}.1234abcd]" if forged == "computed from the names"
                   else listed[first]["description"].replace("v1", "v3"))
    body = {"name": "deploy-bot" if named else "hand-made", "scopes": ["read_api", "self_rotate"],
            "access_level": 30, "expires_at": day(30), "description": description}
    status, _, hand_made = world.sb.request("POST", path, body, token=forger)
    assert status == 201, hand_made
    world.values.add(hand_made["token"])
    new_run()
    assert token.up(declared("v3")) == "replace", "a create of that resource"
    calls = world.calls()
    assert "POST /projects/:id/access_tokens/:token_id/rotate" not in calls, "nothing adopted"
    assert authenticates_as(world.sb, hand_made["token"]) == hand_made["id"], "the hand-made token is untouched"
    replayed = world.sb.request("POST", f"{path}/self/rotate", {}, token=hand_made["token"])
    assert replayed[0] == 200, replayed  # the forger's own token, rotated: their family, not ours
    world.values.add(replayed[2]["token"])
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"], "ours still works"
    ours = [t for t in world.active_tokens() if t["id"] == token.outs["token_id"]]
    assert ours and ours[0]["user_id"] != hand_made["user_id"]


def test_a_lost_create_answer_never_takes_another_stacks_token(world):
    """Two stacks of one program; the second loses every create answer after GitLab committed."""
    a = EngineLike(world, _declared(world, "deploy-bot", stack="org/app/prod"), rotating())
    a.up()
    new_run()
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    b = EngineLike(world, _declared(world, "deploy-bot", stack="org/app/dev"), rotating())
    b.up()
    world.sb.clear_faults()
    assert authenticates_as(world.sb, a.outs["token"]) == a.outs["token_id"], "A's token was taken"
    assert authenticates_as(world.sb, b.outs["token"]) == b.outs["token_id"] != a.outs["token_id"]
    assert sorted(t["id"] for t in world.active_tokens()) == sorted([a.outs["token_id"], b.outs["token_id"]])


def _up_whose_create_lands_late(world, monkeypatch) -> tuple[EngineLike, dict[str, Any]]:
    """An ``up`` whose first POST times out in the client, and that POST then committing in GitLab."""
    late: list[dict[str, Any]] = []
    real_create = token_endpoints.TokenEndpoints.create

    def time_out_the_first(api, **kwargs):  # the first POST commits only after the provider gave up
        if not late:
            late.append(kwargs)
            raise gitlab_errors.AnswerLost("test", in_flight=True)
        return real_create(api, **kwargs)

    monkeypatch.setattr(token_endpoints.TokenEndpoints, "create", time_out_the_first)
    monkeypatch.setattr(recovery, "RETRY_PAUSE_SECONDS", 0)
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    landed = real_create(token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/app"), **late[0])
    world.values.add(landed["token"])
    return token, late[0]


def test_a_create_that_lands_after_the_timeout_is_revoked_by_the_next_up(world, monkeypatch):
    token, late = _up_whose_create_lands_late(world, monkeypatch)
    assert token.outs[UNCONFIRMED_KEY] == [ownership.parse(late["description"])[1].text()]
    assert len(world.active_tokens()) == 2
    world.calls()
    new_run()
    assert token.up() == "update", "the state names an unconfirmed attempt: the next up looks"
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "DELETE /projects/:id/access_tokens/:token_id": 1}
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]
    assert UNCONFIRMED_KEY not in token.outs
    assert token.up() == "same"


def test_a_refresh_leaves_a_late_landing_to_the_next_up(world, monkeypatch):
    """A refresh (``preview --refresh`` too) never writes: it keeps the attempts in the state, the ``up`` revokes."""
    token, late = _up_whose_create_lands_late(world, monkeypatch)
    new_run()
    world.calls()
    assert token.refresh() and token.outs[UNCONFIRMED_KEY] == [ownership.parse(late["description"])[1].text()]
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}
    assert len(world.active_tokens()) == 2
    assert token.up() == "update"
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]


def test_a_dropped_answer_leaves_nothing_to_confirm(world):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    world.sb.clear_faults()
    assert UNCONFIRMED_KEY not in token.outs, "GitLab finished a dropped request: nothing can land later"
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]


@pytest.mark.parametrize("b_scopes", [["read_api"], ["read_repository"]], ids=["same spec", "other scopes"])
def test_two_resources_whose_tokens_share_a_name_keep_both(world, b_scopes):
    a = EngineLike(world, _declared(world, "ci-a"), fixed())
    b = EngineLike(world, _declared(world, "ci-b"), fixed(scopes=b_scopes))
    a.up()
    new_run()
    world.calls()
    b.up()
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "POST /projects/:id/access_tokens": 1}
    assert a.refresh() and a.outs["revoked"] is False
    assert authenticates_as(world.sb, a.outs["token"]) == a.outs["token_id"]
    assert authenticates_as(world.sb, b.outs["token"]) == b.outs["token_id"]


def test_a_replacement_never_revokes_the_token_it_replaces_before_the_engine_does(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    new_run()
    old = dict(token.outs)
    world.calls()
    assert token.up(rotating(scopes=["read_api"])) == "replace"
    calls = world.calls()
    assert calls == {"GET /projects/:id/access_tokens": 1, "POST /projects/:id/access_tokens": 1,
                     "DELETE /projects/:id/access_tokens/:token_id": 1}, "the old token is revoked once, by delete"
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]] != [old["token_id"]]


def _died_mid_rotation(world: World, token: EngineLike) -> dict:
    """What a SIGKILL during a rotation leaves: GitLab rotated, no answer reached the state."""
    planned = token.check()
    successor = world.sb.api(
        "POST", f"/projects/{world.project['id']}/access_tokens/{token.outs['token_id']}/rotate",
        {"expires_at": planned["expires_at"]}, expect=200)
    world.values.add(successor["token"])
    world.calls()
    return successor


def test_a_rotation_that_died_is_finished_by_the_next_up(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    world.clocks.days_later(24)
    successor = _died_mid_rotation(world, token)
    new_run()
    assert token.up() == "update"
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] != successor["id"]
    assert live["user_id"] == successor["user_id"], "the bot user is kept"
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]
    assert authenticates_as(world.sb, successor["token"]) is None, "the unheld successor is rotated away"
    assert token.up() == "same"


def test_a_rotation_that_died_then_a_refresh_is_adopted_by_the_replacement(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    world.clocks.days_later(24)
    successor = _died_mid_rotation(world, token)
    new_run()
    assert token.refresh() and token.outs["revoked"] is True
    assert token.up() == "replace"
    calls = world.calls()
    assert "POST /projects/:id/access_tokens" not in calls, "no new bot: the successor is adopted"
    (live,) = world.active_tokens()
    assert live["user_id"] == successor["user_id"]
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]
    assert authenticates_as(world.sb, successor["token"]) is None


def test_a_run_killed_after_its_rotation_was_answered_is_finished_by_the_next_up(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    world.clocks.days_later(24)
    lost = token.provider.update(token.id, token.outs, token.check())  # the engine dies before saving it
    world.values.add(lost.outs["token"])
    world.calls()
    new_run()
    assert token.up() == "update"
    (live,) = world.active_tokens()
    assert live["id"] == token.outs["token_id"] and live["user_id"] == lost.outs["user_id"]
    assert authenticates_as(world.sb, lost.outs["token"]) is None, "the unheld successor is rotated away"
    assert token.up() == "same"


def test_a_token_revoked_outside_pulumi_is_not_mistaken_for_a_dead_rotation(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    world.sb.api("DELETE", f"/projects/{world.project['id']}/access_tokens/{token.outs['token_id']}")
    world.clocks.days_later(24)
    new_run()
    err = world.expect_error(token.up)
    assert err.status == 400 and "already revoked" in str(err)
    assert world.active_tokens() == []


# --- listing ---------------------------------------------------------------------------------------


def test_listing_follows_pages_at_the_configured_address_100_at_a_time():
    """GitLab's Link headers name its external_url; behind a proxy or port forward that
    address is not reachable from the provider, so pagination must keep the configured one."""
    with running_sandbox(extra_args=["--external-url", "http://127.0.0.1:9"]) as sb:
        group = sb.create_group("acme")
        project = sb.create_project("app", group["id"])
        # This sandbox runs on the real clock: a date relative to TODAY would be long expired, and
        # GitLab's retention (like the sandbox's) deletes families expired for more than 30 days.
        in_a_month = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()
        for _ in range(101):
            sb.api("POST", f"/projects/{project['id']}/access_tokens",
                   {"name": "bulk-token", "scopes": ["read_api"], "expires_at": in_a_month}, expect=201)
        sb.reset_counters()
        gitlab_client.configure(gitlab_client.Settings(base_url=sb.base_url, token=sb.admin_token))
        found = token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/app").list_named("bulk-token")
        assert len(found) == 101
        counts = {k.replace("/api/v4", ""): v for k, v in sb.counters().items() if k != "total"}
        assert counts == {"GET /projects/:id/access_tokens": 2}, "100 per page, both pages from the configured URL"


def test_a_token_minted_with_the_first_format_mark_keeps_rotating_through_a_lost_answer(world, monkeypatch):
    """A token the state holds from before the keyed mark: rotation goes by its id, and the successor of a
    lost rotate answer is found within its bot user, so the old mark needs no proving (docs/ownership.md)."""
    provider = _declared(world, "deploy-bot")
    old_mark = f"[pgt:{ownership.owner_digest(provider.owner, provider.resource)}.1234abcd]"
    token = EngineLike(world, provider, fixed(description="made before"))
    with monkeypatch.context() as before_the_keyed_mark:
        before_the_keyed_mark.setattr(ownership, "marked", lambda description, _mark: f"{description} {old_mark}")
        token.up()
    (first,) = world.active_tokens()
    assert isinstance(ownership.mark_of(first), ownership.LegacyMark) and token.outs["description"] == "made before"
    new_run()
    world.calls()
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=0.5, seed=1)  # seed 1 loses the first answer
    assert token.up(fixed(description="made before", expires_at=day(90))) == "update"
    world.sb.clear_faults()
    assert world.calls()["POST /projects/:id/access_tokens/:token_id/rotate"] >= 2, "no answer was lost"
    (live,) = world.active_tokens()
    assert (live["id"], live["user_id"]) == (token.outs["token_id"], first["user_id"])
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]

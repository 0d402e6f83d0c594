"""Fixtures for the sandbox's own tests.

One sandbox process per GitLab version profile serves the whole session (per
pytest-xdist worker); every test starts from ``POST /-/sandbox/reset`` (empty
world, no faults, real clock). Where the profiles differ, a test asks
``sb.gitlab_version``: the tests of a module that does run once against each
profile (``--gitlab-version 18.1`` and ``19.2``), the others against the
default one only. Tests that need their own process (restart, signals,
start-up options) start one with ``running_sandbox``. Everything goes over
HTTP: python-gitlab or urllib.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from support.sandbox import Sandbox, running_sandbox

GUEST, PLANNER, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 15, 20, 30, 40, 50


#: The version profiles of ``--gitlab-version``; the last is the sandbox's default.
PROFILES = ("18.1", "18.11", "19.2")

#: Which profile has which of the behaviours that differ (docs/sandbox.md, "Version profiles"):
#: the required ``expires_at`` and 18.7-18.11's wordings; 18.11's service accounts (project routes,
#: subgroups, the creation limit); 19.x's Security Manager, scopes, entity fields and revoke wording.
BEHAVIOURS = {
    "18.1": frozenset(),
    "18.11": frozenset({"expiry_required", "new_wording", "service_accounts_18_11"}),
    "19.2": frozenset({"expiry_required", "new_wording", "service_accounts_18_11", "security_manager",
                       "scopes_19", "entity_19", "revoke_wording_19"}),
}


def has(sb: Sandbox, behaviour: str) -> bool:
    """Whether the profile ``sb`` runs has ``behaviour`` (a key of :data:`BEHAVIOURS`' sets)."""
    assert any(behaviour in found for found in BEHAVIOURS.values()), behaviour
    return behaviour in BEHAVIOURS[sb.gitlab_version]


ROUTE_NOT_FOUND = (404, {"error": "404 Not Found"})


def in_a_month() -> str:
    """An ``expires_at`` every profile accepts (19.x requires one on create)."""
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every profile for a module whose tests ask which one they run on; the default one for the rest."""
    if "sandbox_process" in metafunc.fixturenames:
        source = inspect.getsource(metafunc.module)
        asks = "gitlab_version" in source or re.search(r"\bhas\(", source) is not None
        metafunc.parametrize("sandbox_process", PROFILES if asks else PROFILES[-1:], indirect=True, scope="session")


@pytest.fixture(scope="session")
def sandbox_process(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with running_sandbox(extra_args=["--gitlab-version", request.param]) as sandbox:
        yield sandbox


@pytest.fixture
def sb(sandbox_process: Sandbox) -> Sandbox:
    sandbox_process.reset()
    return sandbox_process


@dataclass
class World:
    """A group ``acme`` with project ``acme/app`` and people in every role that matters.

    - ``owner``: Owner of the group (so Owner of the project too)
    - ``maintainer``: Maintainer of the group (so Maintainer of the project)
    - ``developer``: Developer of the project only
    - ``outsider``: member of nothing
    """

    sb: Sandbox
    group: dict
    project: dict
    users: dict[str, dict]
    tokens: dict[str, str]

    def serves_service_accounts_of(self, kind: str) -> bool:
        """Whether this profile has ``/{kind}s/:id/service_accounts`` (groups always; projects from 18.11)."""
        return kind == "group" or has(self.sb, "service_accounts_18_11")

    def resource_id(self, kind: str) -> int:
        return self.project["id"] if kind == "project" else self.group["id"]

    def call(self, method: str, path: str, body: Any = None, *, as_: str | None = None,
             token: str | None = None) -> tuple[int, dict[str, str], Any]:
        """``/api/v4{path}`` as one of the people (or the admin, or a raw token)."""
        secret = token or (self.tokens[as_] if as_ else None)
        return self.sb.request(method, "/api/v4" + path, body, token=secret)

    def create_token(self, kind: str, body: dict | None = None, *, as_: str | None = None) -> dict:
        payload = {"name": "ci", "scopes": ["api"], "expires_at": in_a_month(), **(body or {})}
        status, _, created = self.call("POST", f"/{kind}s/{self.resource_id(kind)}/access_tokens", payload, as_=as_)
        assert status == 201, created
        return created


@pytest.fixture
def world(sb: Sandbox) -> World:
    group = sb.create_group("acme")
    project = sb.create_project("app", group["id"])
    users = {name: sb.create_user(name) for name in ("owner", "maintainer", "developer", "outsider")}
    sb.add_member("group", group["id"], users["owner"]["id"], OWNER)
    sb.add_member("group", group["id"], users["maintainer"]["id"], MAINTAINER)
    sb.add_member("project", project["id"], users["developer"]["id"], DEVELOPER)
    tokens = {name: sb.create_user_token(user["id"], ["api"]) for name, user in users.items()}
    return World(sb, group, project, users, tokens)


@pytest.fixture(params=["project", "group"])
def kind(request: pytest.FixtureRequest) -> str:
    """Run a test once against project tokens and once against group tokens."""
    return request.param

"""Who may give a token which role: GitLab's role table, every pair, by the rule and over HTTP.

``ASSIGNABLE_ROLES`` is ``RolesHelpers.assignable_roles`` (GitLab's
``spec/support/helpers/roles_helpers.rb``, the table ``Gitlab::Access.level_encompasses?``
is specified by). Planner and Security Manager sit outside the hierarchy: only an Owner
or a holder of the same role gives them, whatever their number.
"""

from __future__ import annotations

import itertools

import pytest

from gitlab_token_sandbox import rules
from support.gitlab_roles import ASSIGNABLE_ROLES

from .conftest import World, has, in_a_month

LEVELS = {"guest": 10, "planner": 15, "reporter": 20, "security_manager": 25, "developer": 30,
          "maintainer": 40, "owner": 50}


PAIRS = list(itertools.product(LEVELS, LEVELS))


@pytest.mark.parametrize(("caller", "token"), PAIRS)
def test_the_rule_is_gitlabs_table(caller: str, token: str) -> None:
    assert rules.access_level_encompasses(LEVELS[caller], LEVELS[token]) == (token in ASSIGNABLE_ROLES[caller])


def _member(world: World, kind: str, role: str) -> str:
    """A new user with ``role`` on the project or group; returns its personal token."""
    user = world.sb.create_user(f"{kind}-{role}".replace("_", "-"))
    world.sb.add_member(kind, world.resource_id(kind), user["id"], LEVELS[role])
    return world.sb.create_user_token(user["id"], ["api"])


def _expected_refusal(kind: str, caller: str, token: str, message: str) -> str | None:
    """GitLab's 400 message for ``caller`` giving ``token`` on ``kind``, or None for a success."""
    if LEVELS[caller] < rules.TOKEN_ADMIN_LEVEL[kind]:
        return f"User does not have permission to create {kind} access token"
    return None if token in ASSIGNABLE_ROLES[caller] else message


def test_create_follows_the_table_for_every_pair(world: World, kind: str) -> None:
    # 18.x has no Security Manager: the level itself is refused there (test_profiles).
    roles = [role for role in LEVELS if has(world.sb, "security_manager") or role != "security_manager"]
    pairs = list(itertools.product(roles, roles))
    tokens = {role: _member(world, kind, role) for role in roles}
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    wrong = []
    for caller, token in pairs:
        status, _, body = world.call("POST", path, {"name": f"{caller}-{token}", "scopes": ["read_api"],
                                                    "expires_at": in_a_month(), "access_level": LEVELS[token]},
                                     token=tokens[caller])
        expected = _expected_refusal(kind, caller, token, _create_message(world, kind, token))
        got = None if status == 201 else (status, body)
        if got != (None if expected is None else (400, {"message": f"400 Bad request - {expected}"})):
            wrong.append((caller, token, status, body))
    assert wrong == []


def _create_message(world: World, kind: str, token: str) -> str:
    if has(world.sb, "new_wording"):
        return "Access level of the token contains permissions not held by the creating user"
    if kind == "project" and token == "owner":
        return "Could not provision owner access to project access token"
    return "Access level of the token can't be greater the access level of the user who created the token"


def test_rotate_follows_the_table_for_every_pair(world: World, kind: str) -> None:
    newest = has(world.sb, "new_wording")
    roles = [role for role in LEVELS if has(world.sb, "security_manager") or role != "security_manager"]
    tokens = {role: _member(world, kind, role) for role in roles}
    message = ("Not eligible to rotate tokens with permissions not held by the user" if newest
               else "Not eligible to rotate token with access level higher than the user")
    wrong = []
    for caller, level in itertools.product(roles, roles):
        bot_token = world.create_token(kind, {"name": f"{caller}-{level}", "access_level": LEVELS[level]})
        status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{bot_token['id']}"
                                     "/rotate", {"expires_at": in_a_month()}, token=tokens[caller])
        if LEVELS[caller] < rules.TOKEN_ADMIN_LEVEL[kind]:
            expected = (401, {"message": "401 Unauthorized"})  # not told whether the token exists
        elif level in ASSIGNABLE_ROLES[caller]:
            expected = (200, None)
        else:
            expected = (400, {"message": f"400 Bad request - {message}"})
        if (status, body if status != 200 else None) != expected:
            wrong.append((caller, level, status, body))
    assert wrong == []

"""Project and group access tokens: create, get, list, revoke, rotate, self-rotate.

"Row N" refers to the scenario table in docs/sandbox.md (the reference's section 2.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from support.sandbox import Sandbox

from .conftest import DEVELOPER, GUEST, MAINTAINER, OWNER, PLANNER, REPORTER, World, has, in_a_month

TOKEN_FIELDS = ["id", "name", "revoked", "created_at", "description", "scopes", "user_id", "last_used_at",
                "active", "expires_at", "access_level", "resource_type", "resource_id"]
#: 19.x adds ``granular`` to the token entity and ``last_used_ips`` to the resource-token entity.
TOKEN_FIELDS_19 = ["id", "name", "revoked", "created_at", "description", "scopes", "user_id", "last_used_at",
                   "active", "granular", "expires_at", "last_used_ips", "access_level", "resource_type",
                   "resource_id"]


def token_fields(sb: Sandbox) -> list[str]:
    return TOKEN_FIELDS_19 if has(sb, "entity_19") else TOKEN_FIELDS


def token_not_found(sb: Sandbox, kind: str, ident: str) -> dict:
    """The get/revoke 404 body: reworded by 18.7."""
    if has(sb, "new_wording"):
        return {"message": f"404 {kind} Access Token Not Found"}
    return {"message": f"404 Could not find {kind} access token with token_id: {ident} Not Found"}


def level_refused(sb: Sandbox, *, owner_project_token: bool = False) -> dict:
    """The create 400 for a level the caller does not hold: one message from 18.10 (probably ~18.3), two before."""
    if has(sb, "new_wording"):
        reason = "Access level of the token contains permissions not held by the creating user"
    elif owner_project_token:
        reason = "Could not provision owner access to project access token"
    else:
        reason = "Access level of the token can't be greater the access level of the user who created the token"
    return {"message": f"400 Bad request - {reason}"}


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


# --- create -----------------------------------------------------------------------------

def test_create_echoes_fields_and_shows_token_only_here(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    expires = (today() + dt.timedelta(days=30)).isoformat()
    status, _, created = world.call("POST", f"/{kind}s/{rid}/access_tokens",
                                    {"name": "deploy", "description": "for CI", "scopes": ["read_api", "api"],
                                     "access_level": REPORTER, "expires_at": expires}, as_="owner")
    assert status == 201
    assert list(created) == token_fields(world.sb) + ["token"]
    assert created["name"] == "deploy" and created["description"] == "for CI"
    assert created["scopes"] == ["read_api", "api"]  # order kept as sent
    assert created["access_level"] == REPORTER
    assert created["expires_at"] == expires
    assert created["active"] is True and created["revoked"] is False
    assert created["resource_type"] == kind and created["resource_id"] == rid
    assert re.fullmatch(r"glpat-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}", created["token"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created["created_at"])

    _, _, fetched = world.call("GET", f"/{kind}s/{rid}/access_tokens/{created['id']}", as_="owner")
    assert "token" not in fetched
    _, _, listed = world.call("GET", f"/{kind}s/{rid}/access_tokens", as_="owner")
    assert all("token" not in item for item in listed)

    # The bot is a member of the resource at the token's level, named like GitLab's bots.
    _, _, members = world.call("GET", f"/{kind}s/{rid}/members")
    bot = next(m for m in members if m["id"] == created["user_id"])
    assert re.fullmatch(rf"{kind}_{rid}_bot_[0-9a-f]{{32}}", bot["username"])
    assert bot["access_level"] == REPORTER and bot["name"] == "deploy" and bot["bot"] is True


def test_row10_create_defaults_to_maintainer_and_the_expiry_by_profile(world: World, kind: str) -> None:
    assert world.create_token(kind, as_="owner")["access_level"] == MAINTAINER
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    status, _, body = world.call("POST", path, {"name": "no-expiry", "scopes": ["api"]}, as_="owner")
    if has(world.sb, "expiry_required"):
        # 18.7 and later: expires_at is required (lib/api/resource_access_tokens.rb), and nothing is made.
        assert (status, body) == (400, {"message": "400 Bad request - expires_at is missing"})
        assert [t["name"] for t in world.sb.tokens()] == ["ci"]
        # GitLab checks only that the key is there: a null or empty date takes the maximum lifetime.
        for empty in (None, ""):
            status, _, body = world.call("POST", path, {"name": "null-expiry", "scopes": ["api"],
                                                        "expires_at": empty}, as_="owner")
            assert status == 201 and body["expires_at"] == (today() + dt.timedelta(days=365)).isoformat()
    else:
        # 17.9-18.1: omitted expires_at means today + 365.
        assert status == 201 and body["expires_at"] == (today() + dt.timedelta(days=365)).isoformat()


def test_each_token_gets_its_own_bot(world: World, kind: str) -> None:
    first, second = world.create_token(kind), world.create_token(kind)
    assert first["user_id"] != second["user_id"]
    assert first["token"] != second["token"]


def test_create_parameter_errors_use_grapes_error_key(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    assert world.call("POST", path, {})[::2] == (400, {"error": "name is missing, scopes is missing"})
    assert world.call("POST", path, {"name": "x"})[::2] == (400, {"error": "scopes is missing"})
    assert world.call("POST", path, {"name": "x", "scopes": ["test"]})[::2] == (
        400, {"error": "scopes does not have a valid value"})
    for scope in ("read_user", "sudo", "admin_mode"):  # personal-only scopes are refused too
        assert world.call("POST", path, {"name": "x", "scopes": [scope]})[0] == 400
    assert world.call("POST", path, {"name": "x", "scopes": ["api"], "access_level": 0})[::2] == (
        400, {"error": "access_level does not have a valid value"})
    assert world.call("POST", path, {"name": "x", "scopes": ["api"], "expires_at": "soon"})[::2] == (
        400, {"error": "expires_at is invalid"})


def test_create_accepts_every_documented_scope(world: World, kind: str) -> None:
    from pulumi_gitlab_tokens.common.catalogue import RESOURCE_TOKEN_SCOPES

    created = world.create_token(kind, {"scopes": list(RESOURCE_TOKEN_SCOPES)})
    assert created["scopes"] == list(RESOURCE_TOKEN_SCOPES)


def test_create_accepts_form_encoded_bodies(world: World, kind: str) -> None:
    import urllib.request

    data = f"name=form&scopes[]=api&scopes[]=read_api&access_level=30&expires_at={in_a_month()}".encode()
    req = urllib.request.Request(f"{world.sb.base_url}/api/v4/{kind}s/{world.resource_id(kind)}/access_tokens",
                                 data=data, method="POST", headers={"PRIVATE-TOKEN": world.sb.admin_token})
    with urllib.request.urlopen(req) as response:
        import json

        created = json.loads(response.read())
    assert response.status == 201 and created["scopes"] == ["api", "read_api"] and created["access_level"] == 30


def post_form(world: World, path: str, data: bytes) -> tuple[int, dict]:
    """POST a form-encoded body as the admin; returns status and decoded JSON."""
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{world.sb.base_url}/api/v4{path}", data=data, method="POST",
                                 headers={"PRIVATE-TOKEN": world.sb.admin_token})
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_scopes_must_be_an_array(world: World, kind: str) -> None:
    # Grape's Array[String] coercion refuses a lone string; forms must say scopes[]=api.
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    invalid = (400, {"error": "scopes is invalid"})
    assert world.call("POST", path, {"name": "x", "scopes": "api"})[::2] == invalid
    assert post_form(world, path, b"name=x&scopes=api") == invalid
    assert post_form(world, path, f"name=x&scopes[]=api&expires_at={in_a_month()}".encode())[0] == 201
    # A string then an array under one name is Rack's ParameterTypeError, not a dropped connection.
    status, body = post_form(world, path, b"name=x&scopes=api&scopes[]=read_api")
    assert status == 400 and set(body) == {"error"}
    # The administrators' personal-token route coerces with CommaSeparatedToArray (lib/api/users.rb).
    personal = f"/users/{world.users['owner']['id']}/personal_access_tokens"
    status, _, created = world.call("POST", personal, {"name": "x", "scopes": "api,read_api"})
    assert status == 201 and created["scopes"] == ["api", "read_api"]


def test_row5_missing_or_invisible_resource_is_404(world: World, kind: str) -> None:
    label = kind.capitalize()
    assert world.call("POST", f"/{kind}s/999/access_tokens", {"name": "x", "scopes": ["api"]})[::2] == (
        404, {"message": f"404 {label} Not Found"})
    # A private resource the caller is not a member of is just as missing.
    rid = world.resource_id(kind)
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens", as_="outsider")[::2] == (
        404, {"message": f"404 {label} Not Found"})
    assert world.call("GET", f"/{kind}s/{rid}", as_="outsider")[0] == 404


def test_row7_create_without_permission_is_400(world: World, kind: str) -> None:
    # Project tokens need Maintainer; group tokens need Owner.
    caller = "developer" if kind == "project" else "maintainer"
    status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens",
                                 {"name": "x", "scopes": ["api"]}, as_=caller)
    assert (status, body) == (400, {"message": f"400 Bad request - User does not have permission to create {kind} access token"})


def test_row7_bots_cannot_create_tokens(world: World, kind: str) -> None:
    bot = world.create_token(kind, {"access_level": OWNER if kind == "group" else MAINTAINER})
    status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens",
                                 {"name": "x", "scopes": ["api"]}, token=bot["token"])
    assert (status, body) == (400, {"message": f"400 Bad request - User does not have permission to create {kind} access token"})


def test_row8_maintainer_cannot_create_owner_project_token(world: World) -> None:
    path = f"/projects/{world.project['id']}/access_tokens"
    expiry = in_a_month()
    status, _, body = world.call("POST", path, {"name": "x", "scopes": ["api"], "access_level": OWNER,
                                                "expires_at": expiry}, as_="maintainer")
    assert (status, body) == (400, level_refused(world.sb, owner_project_token=True))
    # A Maintainer may mint anything it holds, but not Planner (the "encompasses" rule).
    for level in (GUEST, REPORTER, DEVELOPER, MAINTAINER):
        assert world.call("POST", path, {"name": "x", "scopes": ["api"], "access_level": level,
                                         "expires_at": expiry}, as_="maintainer")[0] == 201
    status, _, body = world.call("POST", path, {"name": "x", "scopes": ["api"], "access_level": PLANNER,
                                                "expires_at": expiry}, as_="maintainer")
    assert (status, body) == (400, level_refused(world.sb))
    # Owners may assign every level.
    assert world.create_token("project", {"access_level": OWNER}, as_="owner")["access_level"] == OWNER


def test_row9_expiry_beyond_max_lifetime_is_400(world: World, kind: str) -> None:
    latest = today() + dt.timedelta(days=365)
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    assert world.call("POST", path, {"name": "x", "scopes": ["api"], "expires_at": latest.isoformat()})[0] == 201
    status, _, body = world.call("POST", path, {"name": "x", "scopes": ["api"],
                                                "expires_at": (latest + dt.timedelta(days=1)).isoformat()})
    assert (status, body) == (400, {"message": f"400 Bad request - Expires at must be before {latest.isoformat()}"})


def test_row11_past_expiry_creates_an_already_expired_token(world: World, kind: str) -> None:
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    created = world.create_token(kind, {"expires_at": yesterday})
    assert created["expires_at"] == yesterday and created["active"] is False
    # ...and it cannot authenticate.
    assert world.call("GET", "/user", token=created["token"])[0] == 401


def test_row12_model_validations_are_400_sentences(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    expiry = in_a_month()
    status, _, body = world.call("POST", path, {"name": "x", "scopes": ["api"], "description": "d" * 256,
                                                "expires_at": expiry})
    assert (status, body) == (400, {"message": "400 Bad request - Description is too long (maximum is 255 characters)"})
    status, _, body = world.call("POST", path, {"name": " ", "scopes": [], "expires_at": expiry})
    assert (status, body) == (400, {"message": "400 Bad request - Name can't be blank and Scopes can't be blank"})
    assert world.sb.tokens() == []  # nothing half-made


# --- get ----------------------------------------------------------------------------------

def test_get_finds_revoked_tokens_but_not_other_resources_tokens(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    created = world.create_token(kind)
    assert world.call("DELETE", f"/{kind}s/{rid}/access_tokens/{created['id']}")[0] == 204
    status, _, got = world.call("GET", f"/{kind}s/{rid}/access_tokens/{created['id']}")
    assert status == 200 and got["revoked"] is True and got["active"] is False
    other_kind = "group" if kind == "project" else "project"
    other = world.create_token(other_kind)
    for ident in (str(other["id"]), "999999", "self"):
        status, _, body = world.call("GET", f"/{kind}s/{rid}/access_tokens/{ident}")
        assert (status, body) == (404, token_not_found(world.sb, kind, ident))


def test_row6_list_and_get_without_permission_is_401(world: World, kind: str) -> None:
    caller = "developer" if kind == "project" else "maintainer"
    rid = world.resource_id(kind)
    created = world.create_token(kind)
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens", as_=caller)[::2] == (401, {"message": "401 Unauthorized"})
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{created['id']}", as_=caller)[::2] == (
        401, {"message": "401 Unauthorized"})


def test_a_maintainer_level_bot_can_list_its_resources_tokens(world: World) -> None:
    bot = world.create_token("project", {"access_level": MAINTAINER})
    status, _, listed = world.call("GET", f"/projects/{world.project['id']}/access_tokens", token=bot["token"])
    assert status == 200 and [t["id"] for t in listed] == [bot["id"]]


# --- revoke ---------------------------------------------------------------------------------

def test_row15_revoke_keeps_the_bot_and_is_idempotent(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    kept, gone = world.create_token(kind), world.create_token(kind)
    status, headers, body = world.call("DELETE", f"/{kind}s/{rid}/access_tokens/{gone['id']}", as_="owner")
    assert status == 204 and body is None
    # Row 15: revoking again is 204 too (17.9+ keeps the token and the bot).
    assert world.call("DELETE", f"/{kind}s/{rid}/access_tokens/{gone['id']}", as_="owner")[0] == 204
    _, _, members = world.call("GET", f"/{kind}s/{rid}/members")
    assert gone["user_id"] in [m["id"] for m in members]
    census = {t["id"]: t for t in world.sb.tokens()}
    assert census[gone["id"]]["revoked"] is True and census[kept["id"]]["revoked"] is False
    assert world.call("GET", "/user", token=gone["token"])[0] == 401
    assert world.call("GET", "/user", token=kept["token"])[0] == 200


def test_row13_revoke_unknown_or_foreign_token_is_404(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    other = world.create_token("group" if kind == "project" else "project")
    for ident in ("424242", str(other["id"])):
        status, _, body = world.call("DELETE", f"/{kind}s/{rid}/access_tokens/{ident}")
        assert (status, body) == (404, token_not_found(world.sb, kind, ident))
    assert world.sb.tokens()[0]["revoked"] is False


def test_row14_revoke_without_permission_is_400_naming_both(world: World, kind: str) -> None:
    caller = "developer" if kind == "project" else "maintainer"
    created = world.create_token(kind, {"name": "the-bot"})
    status, _, body = world.call("DELETE", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{created['id']}",
                                 as_=caller)
    who = world.users[caller]["name"]
    assert (status, body) == (400, {"message": f"400 Bad request - {who} cannot delete the-bot"})
    assert world.sb.tokens()[0]["revoked"] is False


# --- rotate -----------------------------------------------------------------------------------

def test_rotate_keeps_the_bot_and_revokes_the_old_token(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    old = world.create_token(kind, {"description": "kept", "scopes": ["api", "read_repository"],
                                    "access_level": DEVELOPER})
    status, _, new = world.call("POST", f"/{kind}s/{rid}/access_tokens/{old['id']}/rotate", as_="owner")
    assert status == 200
    assert new["id"] != old["id"] and new["token"] != old["token"]
    assert new["user_id"] == old["user_id"]
    assert (new["name"], new["description"], new["scopes"], new["access_level"]) == (
        old["name"], "kept", ["api", "read_repository"], DEVELOPER)
    assert new["expires_at"] == (today() + dt.timedelta(days=7)).isoformat()
    _, _, listed = world.call("GET", f"/{kind}s/{rid}/access_tokens")
    states = {t["id"]: (t["revoked"], t["active"]) for t in listed}
    assert states == {old["id"]: (True, False), new["id"]: (False, True)}
    assert world.call("GET", "/user", token=old["token"])[0] == 401
    assert world.call("GET", "/user", token=new["token"])[0] == 200


def test_rotate_with_expires_at_echoes_it(world: World, kind: str) -> None:
    old = world.create_token(kind)
    month = (today() + dt.timedelta(days=31)).isoformat()
    status, _, new = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{old['id']}/rotate",
                                {"expires_at": month})
    assert status == 200 and new["expires_at"] == month
    too_late = (today() + dt.timedelta(days=366)).isoformat()
    status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{new['id']}/rotate",
                                 {"expires_at": too_late})
    assert status == 400 and body["message"].startswith("400 Bad request - Expires at must be before ")
    # A failed rotation leaves the token alone.
    assert world.call("GET", "/user", token=new["token"])[0] == 200


def test_row16_row17_rotate_permissions_project(world: World) -> None:
    rid = world.project["id"]
    owner_bot = world.create_token("project", {"access_level": OWNER}, as_="owner")
    maint_bot = world.create_token("project", {"access_level": MAINTAINER}, as_="owner")
    status, _, body = world.call("POST", f"/projects/{rid}/access_tokens/{owner_bot['id']}/rotate", as_="maintainer")
    reason = ("Not eligible to rotate tokens with permissions not held by the user" if has(world.sb, "new_wording")
              else "Not eligible to rotate token with access level higher than the user")
    assert (status, body) == (400, {"message": f"400 Bad request - {reason}"})
    assert world.call("POST", f"/projects/{rid}/access_tokens/{maint_bot['id']}/rotate", as_="maintainer")[0] == 200
    # Row 16: a Developer, or an unknown token for a non-admin: 401.
    assert world.call("POST", f"/projects/{rid}/access_tokens/{owner_bot['id']}/rotate", as_="developer")[::2] == (
        401, {"message": "401 Unauthorized"})
    assert world.call("POST", f"/projects/{rid}/access_tokens/987654/rotate", as_="owner")[::2] == (
        401, {"message": "401 Unauthorized"})
    # Row 17: the admin is told the truth.
    assert world.call("POST", f"/projects/{rid}/access_tokens/987654/rotate")[::2] == (404, {"message": "404 Not Found"})


def test_row16_rotate_permissions_group(world: World) -> None:
    gid = world.group["id"]
    maint_bot = world.create_token("group", {"access_level": MAINTAINER}, as_="owner")
    # Group tokens need Owner: a Maintainer gets 401 whatever the bot's level.
    assert world.call("POST", f"/groups/{gid}/access_tokens/{maint_bot['id']}/rotate", as_="maintainer")[::2] == (
        401, {"message": "401 Unauthorized"})
    assert world.call("POST", f"/groups/{gid}/access_tokens/{maint_bot['id']}/rotate", as_="owner")[0] == 200


def test_row18_rotating_a_revoked_token_is_400(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    old = world.create_token(kind)
    _, _, new = world.call("POST", f"/{kind}s/{rid}/access_tokens/{old['id']}/rotate")
    status, _, body = world.call("POST", f"/{kind}s/{rid}/access_tokens/{old['id']}/rotate")
    assert (status, body) == (400, {"message": "400 Bad request - Token already revoked"})
    # Done with another valid credential, this does not revoke the family.
    assert world.call("GET", "/user", token=new["token"])[0] == 200


def test_row18_revocation_is_checked_before_the_callers_level(world: World) -> None:
    # RotateService#execute checks token.revoked? before the level rule.
    rid = world.project["id"]
    owner_bot = world.create_token("project", {"access_level": OWNER}, as_="owner")
    assert world.call("DELETE", f"/projects/{rid}/access_tokens/{owner_bot['id']}", as_="owner")[0] == 204
    status, _, body = world.call("POST", f"/projects/{rid}/access_tokens/{owner_bot['id']}/rotate", as_="maintainer")
    assert (status, body) == (400, {"message": "400 Bad request - Token already revoked"})


def test_row19_an_expired_token_can_be_rotated_by_id(world: World, kind: str) -> None:
    old = world.create_token(kind, {"expires_at": (today() - dt.timedelta(days=3)).isoformat()})
    status, _, new = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{old['id']}/rotate")
    assert status == 200 and new["active"] is True


def test_bots_cannot_rotate_sibling_tokens(world: World, kind: str) -> None:
    bot = world.create_token(kind, {"access_level": OWNER if kind == "group" else MAINTAINER})
    sibling = world.create_token(kind)
    status, _, _ = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{sibling['id']}/rotate",
                              token=bot["token"])
    assert status == 401


# --- self-rotate and reuse detection ----------------------------------------------------------

def test_self_rotate_gives_the_bot_a_new_token(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    old = world.create_token(kind, {"scopes": ["self_rotate"]})
    status, _, new = world.call("POST", f"/{kind}s/{rid}/access_tokens/self/rotate", token=old["token"])
    assert status == 200
    assert new["user_id"] == old["user_id"] and new["id"] != old["id"] and new["token"] != old["token"]
    assert new["expires_at"] == (today() + dt.timedelta(days=7)).isoformat()
    assert world.call("GET", "/personal_access_tokens/self", token=new["token"])[0] == 200


def test_self_rotate_scope_rule(world: World, kind: str) -> None:
    read_only = world.create_token(kind, {"scopes": ["read_api"]})
    status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/self/rotate",
                                 token=read_only["token"])
    assert status == 403 and body["error"] == "insufficient_scope" and body["scope"] == "api self_rotate"


def test_row20_self_rotate_with_a_human_token_is_405(world: World, kind: str) -> None:
    status, _, body = world.call("POST", f"/{kind}s/{world.resource_id(kind)}/access_tokens/self/rotate", as_="owner")
    assert (status, body) == (405, {"message": "405 Method Not Allowed"})


def test_row21_self_rotate_at_another_resource_is_401(world: World) -> None:
    # A group bot can see the group's projects, but its token does not belong to them.
    group_bot = world.create_token("group", {"access_level": OWNER})
    status, _, body = world.call("POST", f"/projects/{world.project['id']}/access_tokens/self/rotate",
                                 token=group_bot["token"])
    assert (status, body) == (401, {"message": "401 Unauthorized"})
    assert world.call("GET", "/user", token=group_bot["token"])[0] == 200  # untouched


def test_row3_reusing_a_rotated_token_revokes_its_family(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens/self/rotate"
    first = world.create_token(kind)
    _, _, second = world.call("POST", path, token=first["token"])
    _, _, third = world.call("POST", path, token=second["token"])
    assert world.call("GET", "/user", token=third["token"])[0] == 200
    # Someone replays the first (revoked) token on a rotate path...
    status, _, body = world.call("POST", path, token=first["token"])
    assert (status, body) == (401, {"error": "invalid_token",
                                    "error_description": "Token was revoked. You have to re-authorize from the user."})
    # ...so every active descendant is revoked.
    assert world.call("GET", "/user", token=third["token"])[0] == 401
    assert all(t["revoked"] for t in world.sb.tokens())


def test_replaying_a_revoked_token_elsewhere_does_not_revoke_the_family(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens/self/rotate"
    first = world.create_token(kind)
    _, _, second = world.call("POST", path, token=first["token"])
    assert world.call("GET", "/user", token=first["token"])[0] == 401
    assert world.call("GET", "/user", token=second["token"])[0] == 200


def test_store_keeps_only_digests(world: World, sb: Sandbox) -> None:
    created = world.create_token("project")
    census = sb.tokens()
    text = repr(census)
    assert created["token"] not in text
    assert hashlib.sha256(created["token"].encode()).hexdigest() not in text
    assert set(census[0]) >= {"id", "name", "resource_type", "resource_id", "user_id", "active", "revoked",
                              "expires_at"}

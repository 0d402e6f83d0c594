"""What ``--gitlab-version`` changes, each difference checked in both profiles.

The rest of the suite runs against both profiles too; these tests are the
places where the two must answer differently (docs/sandbox.md, "Version profiles").
"""

from __future__ import annotations

import re
import subprocess
import sys

from support.sandbox import running_sandbox

from .conftest import World, has, in_a_month

SECURITY_MANAGER = 25


def test_security_manager_level_exists_only_in_19(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    status, _, body = world.call("POST", path, {"name": "sec", "scopes": ["read_api"], "expires_at": in_a_month(),
                                                "access_level": SECURITY_MANAGER})
    if has(world.sb, "security_manager"):
        assert status == 201 and body["access_level"] == SECURITY_MANAGER
    else:
        assert (status, body) == (400, {"error": "access_level does not have a valid value"})


def test_scopes_added_in_19(world: World, kind: str) -> None:
    path = f"/{kind}s/{world.resource_id(kind)}/access_tokens"
    for scope in ("granular", "mcp_orbit"):
        status, _, body = world.call("POST", path, {"name": scope, "scopes": [scope], "expires_at": in_a_month()})
        if has(world.sb, "scopes_19"):
            assert status == 201 and body["scopes"] == [scope]
            assert body["granular"] is False  # resource tokens are legacy tokens, whatever the scope's name
        else:
            assert (status, body) == (400, {"error": "scopes does not have a valid value"})


def test_last_used_ips_are_recorded_and_listed_only_in_19(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    created = world.create_token(kind, {"scopes": ["read_api"]})
    assert world.call("GET", f"/{kind}s/{rid}", token=created["token"])[0] == 200
    _, _, listed = world.call("GET", f"/{kind}s/{rid}/access_tokens")
    (token,) = listed
    if has(world.sb, "entity_19"):
        assert token["last_used_ips"] == ["127.0.0.1"] and token["granular"] is False
    else:
        assert "last_used_ips" not in token and "granular" not in token


def test_the_default_profile_is_the_newest() -> None:
    with running_sandbox() as sb:
        assert sb.api("GET", "/version")["version"] == "19.2.0"


def test_an_unknown_version_is_a_start_up_error_listing_the_known_ones() -> None:
    result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", "--gitlab-version", "17.0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and {"18.1", "18.11", "19.2"} <= set(re.findall(r"\d+\.\d+", result.stderr))

"""Unmodified python-gitlab drives the service-account, personal and deploy tokens' lifecycles."""

from __future__ import annotations

import datetime as dt
import re

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import has


def _days(n: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=n)).isoformat()


@pytest.mark.parametrize("kind", ["group", "project"])
def test_service_account_and_its_tokens_with_python_gitlab(sb: Sandbox, kind: str) -> None:
    gl = sb.gitlab()
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    owner = group if kind == "group" else gl.projects.create({"name": "app", "namespace_id": group.id})
    if kind == "project" and not has(sb, "service_accounts_18_11"):
        with pytest.raises(gitlab.GitlabCreateError) as missing:
            owner.service_accounts.create({"name": "CI bot"})
        assert missing.value.response_code == 404  # no such route before 18.10
        return

    account = owner.service_accounts.create({"name": "CI bot"})
    assert account.name == "CI bot"
    assert re.fullmatch(rf"service_account_{kind}_{owner.id}_[0-9a-f]{{32}}", account.username)
    assert account.email == f"{account.username}@noreply.127.0.0.1"
    named = owner.service_accounts.create({"username": "deployer", "email": "deployer@example.com"})
    assert named.name == "Service account user" and named.username == "deployer"
    # Default order: id descending; order_by/sort and pagination as GitLab.
    assert [a.id for a in owner.service_accounts.list()] == [named.id, account.id]
    assert [a.username for a in owner.service_accounts.list(order_by="username", sort="asc")][0] == "deployer"
    assert [a.id for a in owner.service_accounts.list(per_page=1, page=2)] == [account.id]

    tokens = account.access_tokens
    created = tokens.create({"name": "pipeline", "scopes": ["api", "read_repository"], "expires_at": _days(30),
                             "description": "feeds CI"})
    first_secret = created.token
    assert first_secret.startswith("glpat-") and created.user_id == account.id and created.active
    other = tokens.create({"name": "audit", "scopes": ["read_api"], "expires_at": _days(10)})
    # The token authenticates as the service account.
    as_account = sb.gitlab(first_secret)
    as_account.auth()
    assert as_account.user is not None and as_account.user.id == account.id

    assert {t.id for t in tokens.list()} == {created.id, other.id}
    assert [t.name for t in tokens.list(search="pipe")] == ["pipeline"]
    assert [t.id for t in tokens.list(expires_before=_days(20))] == [other.id]

    old_id = created.id
    created.rotate(expires_at=_days(14))
    assert created.id != old_id and created.token != first_secret and created.expires_at == _days(14)
    with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
        sb.gitlab(first_secret).auth()
    assert {t.id for t in tokens.list(state="active")} == {created.id, other.id}
    assert [t.id for t in tokens.list(revoked=True)] == [old_id]
    with pytest.raises(gitlab.GitlabRotateError, match="Token already revoked") as again:
        tokens.rotate(old_id)
    assert again.value.response_code == 400 and again.value.error_message == "400 Bad request - Token already revoked"

    tokens.delete(created.id)
    with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
        sb.gitlab(created.token).auth()
    with pytest.raises(gitlab.GitlabDeleteError, match="404 Personal Access Token Not Found") as missing:
        tokens.delete(999999)
    assert missing.value.response_code == 404

    owner.service_accounts.delete(account.id, hard_delete=True)
    assert [a.id for a in owner.service_accounts.list()] == [named.id]
    with pytest.raises(gitlab.GitlabAuthenticationError, match="401 Unauthorized"):
        sb.gitlab(other.token).auth()


def test_instance_service_account_and_personal_tokens_with_python_gitlab(sb: Sandbox) -> None:
    gl = sb.gitlab()
    account = gl.service_accounts.create({"name": "Instance bot"})
    assert re.fullmatch(r"service_account_[0-9a-f]{32}", account.username)
    assert [a.id for a in gl.service_accounts.list()] == [account.id]

    user = gl.users.get(account.id, lazy=True)
    created = user.personal_access_tokens.create({"name": "release", "scopes": ["api"], "expires_at": _days(30)})
    secret = created.token

    fetched = gl.personal_access_tokens.get(created.id)
    assert fetched.name == "release" and fetched.user_id == account.id and not hasattr(fetched, "token")
    listed = gl.personal_access_tokens.list(user_id=account.id)
    assert [t.id for t in listed] == [created.id]

    rotated = gl.personal_access_tokens.rotate(created.id, expires_at=_days(7))
    assert rotated["token"] != secret and rotated["expires_at"] == _days(7)
    with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
        sb.gitlab(secret).auth()
    assert gl.personal_access_tokens.get(created.id).revoked is True
    assert [t.id for t in gl.personal_access_tokens.list(user_id=account.id, state="inactive")] == [created.id]
    assert [t.id for t in gl.personal_access_tokens.list(user_id=account.id, per_page=1, page=2)] == [rotated["id"]]

    successor = gl.personal_access_tokens.get(rotated["id"])
    successor.delete()
    assert gl.personal_access_tokens.get(rotated["id"]).revoked is True
    with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
        sb.gitlab(rotated["token"]).auth()
    with pytest.raises(gitlab.GitlabGetError, match="404 Not Found") as missing:
        gl.personal_access_tokens.get(999999)
    assert missing.value.response_code == 404


@pytest.mark.parametrize("kind", ["group", "project"])
def test_deploy_token_lifecycle_with_python_gitlab(sb: Sandbox, kind: str) -> None:
    gl = sb.gitlab()
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    owner = group if kind == "group" else gl.projects.create({"name": "app", "namespace_id": group.id})

    created = owner.deploytokens.create({"name": "registry", "scopes": ["read_registry", "read_repository"],
                                         "expires_at": f"{_days(30)}T00:00:00Z"})
    assert re.fullmatch(r"gldt-[A-Za-z0-9_-]{20}", created.token)
    assert created.username == f"gitlab+deploy-token-{created.id}"
    assert created.scopes == ["read_repository", "read_registry"]
    assert created.expires_at == f"{_days(30)}T00:00:00.000Z" and created.revoked is False
    assert created.expired is False
    named = owner.deploytokens.create({"name": "pull", "scopes": ["read_package_registry"], "username": "puller"})
    assert named.username == "puller" and named.expires_at is None

    fetched = owner.deploytokens.get(created.id)
    assert fetched.name == "registry" and not hasattr(fetched, "token")
    assert [t.id for t in owner.deploytokens.list()] == [created.id, named.id]
    assert [t.id for t in gl.deploytokens.list()] == [created.id, named.id]
    assert [t.id for t in owner.deploytokens.list(per_page=1, page=2)] == [named.id]
    assert [t.id for t in owner.deploytokens.list(active=True)] == [created.id, named.id]
    # A deploy token is no API credential.
    with pytest.raises(gitlab.GitlabAuthenticationError, match="401 Unauthorized"):
        sb.gitlab(created.token).auth()

    owner.deploytokens.delete(created.id)
    with pytest.raises(gitlab.GitlabGetError, match="404 Not found") as gone:
        owner.deploytokens.get(created.id)
    assert gone.value.response_code == 404 and gone.value.error_message == "404 Not found"
    with pytest.raises(gitlab.GitlabCreateError, match="scopes does not have a valid value") as bad:
        owner.deploytokens.create({"name": "x", "scopes": ["api"]})
    assert bad.value.response_code == 400 and bad.value.error_message == "scopes does not have a valid value"

"""The provider against every GitLab profile of the sandbox, where GitLab's answers differ.

18.11 and 19.x reword the "token not found" 404 and the create/rotate level errors,
refuse a create without ``expires_at`` and allow subgroup service accounts. The
provider must read a vanished token as gone, delete a vanished one quietly, always
send an expiry, pass GitLab's level error on, and preview a subgroup's or a project's
service account as the version answers, in every version.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from support.sandbox import running_sandbox

from pulumi_gitlab_tokens import GitLabTokenError
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider


@pytest.fixture(scope="module", params=["18.1", "18.11", "19.2"])
def profile_sandbox(request: pytest.FixtureRequest):
    with running_sandbox(extra_args=["--gitlab-version", request.param]) as sb:
        yield sb


@pytest.fixture
def sandbox(profile_sandbox):
    """The profile's sandbox, reset, with the group ``acme`` and its project ``acme/app``."""
    profile_sandbox.reset()
    group = profile_sandbox.create_group("acme")
    profile_sandbox.create_project("app", group["id"])
    return profile_sandbox


def _provider(sb, token: str) -> ProjectAccessTokenProvider:
    provider = ProjectAccessTokenProvider()
    provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sb.base_url, "gitlab:token": token}, "infra")))
    return provider


def test_a_vanished_token_reads_as_gone_and_deletes_quietly_in_both_versions(sandbox) -> None:
    provider = _provider(sandbox, sandbox.admin_token)
    result = provider.read("acme/app:999", {"project": "acme/app", "token_id": 999.0})
    assert (result.id, result.outs) == (None, {})
    provider.delete("acme/app:999", {"project": "acme/app", "token_id": 999.0})
    counts = sandbox.counters()
    assert counts["GET /api/v4/projects/:id/access_tokens/:token_id"] == 1
    assert counts["DELETE /api/v4/projects/:id/access_tokens/:token_id"] == 1


def test_create_sends_an_expiry_and_passes_the_level_error_on_in_both_versions(sandbox) -> None:
    admin = _provider(sandbox, sandbox.admin_token)
    news = {"project": "acme/app", "name": "ci", "scopes": ["read_api"],
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    checked = admin.check({}, news)
    assert checked.failures == []
    created = admin.create(checked.inputs)
    today = dt.datetime.now(dt.timezone.utc).date()
    assert created.outs["expires_at"] == (today + dt.timedelta(days=30)).isoformat()

    # A Maintainer asking for an Owner-level token: GitLab's message in this version's words, on one line.
    user = sandbox.create_user("maint")
    sandbox.add_member("project", "acme%2Fapp", user["id"], 40)
    maintainer = _provider(sandbox, sandbox.create_user_token(user["id"]))
    owner_level = maintainer.check({}, {**news, "name": "too-high", "access_level": "owner"})
    refused = r"400 Bad request - (Access level of the token|Could not provision owner)"
    with pytest.raises(GitLabTokenError, match=refused) as caught:
        maintainer.create(owner_level.inputs)
    expected = ("contains permissions not held by the creating user" if sandbox.gitlab_version != "18.1"
                else "Could not provision owner access to project access token")
    assert expected in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("credential", ["admin", "maintainer"])
def test_an_update_of_a_token_deleted_by_retention_creates_a_new_one_in_both_versions(
        sandbox, credential, monkeypatch) -> None:
    """Past GitLab's retention window the family and its bot are gone: rotating by id answers a bare
    404 to an admin and 401 to a Maintainer. The update (no refresh before it) makes a new token."""
    if credential == "admin":
        token = sandbox.admin_token
    else:
        user = sandbox.create_user("maint")
        sandbox.add_member("project", "acme%2Fapp", user["id"], 40)
        token = sandbox.create_user_token(user["id"])
    provider = _provider(sandbox, token)
    news = {"project": "acme/app", "name": "ci", "scopes": ["read_api"],
            "rotation_configuration": {"expiration_days": 10, "rotate_before_days": 3}}
    created = provider.create(provider.check({}, news).inputs)
    olds = {**created.outs, "__provider": "pickled"}
    expires = dt.date.fromisoformat(created.outs["expires_at"])

    # 31 days past expiry: the sandbox's retention (GitLab's default 30) has deleted the family.
    later = f"{(expires + dt.timedelta(days=31)).isoformat()}T02:00:00Z"
    sandbox.set_time(later)
    monkeypatch.setenv("GITLAB_TESTING_TIME", later)
    assert all(t["id"] != created.outs["token_id"] for t in sandbox.tokens())
    planned = provider.check(olds, news)
    assert planned.failures == []
    assert provider.diff(created.id, olds, planned.inputs).changes
    sandbox.reset_counters()

    updated = provider.update(created.id, olds, planned.inputs)

    outs = updated.outs
    assert outs["token_id"] != created.outs["token_id"]
    assert outs["user_id"] != created.outs["user_id"], "a deleted family comes back with a new bot user"
    assert outs["expires_at"] == (expires + dt.timedelta(days=31 + 10)).isoformat()
    assert outs["active"] is True and outs["revoked"] is False
    assert isinstance(outs["token"], str) and outs["token"] != created.outs["token"]
    [live] = [t for t in sandbox.tokens() if not t["revoked"]]
    assert (live["id"], live["user_id"]) == (outs["token_id"], outs["user_id"])
    counts = sandbox.counters()
    assert counts["POST /api/v4/projects/:id/access_tokens/:token_id/rotate"] == 1
    assert counts["GET /api/v4/projects/:id/access_tokens/:token_id"] == 1
    assert counts["POST /api/v4/projects/:id/access_tokens"] == 1


def test_rotating_a_deleted_token_says_it_is_gone_not_that_the_project_is_missing(sandbox) -> None:
    """The rotate's bare 404 alone would read as a missing project; the message says the token is gone."""
    from pulumi_gitlab_tokens import kinds
    from pulumi_gitlab_tokens.lifecycle import recovery, token_endpoints

    _provider(sandbox, sandbox.admin_token)  # configures the process-wide client
    api = token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/app")
    with pytest.raises(recovery.TokenGone, match="no longer exists in GitLab") as caught:
        recovery.rotate_token(api, token_id=999, bot_user_id=None, name="ci",
                              expires_at=dt.date.today() + dt.timedelta(days=10))
    message = str(caught.value)
    assert "no longer exists" in message and "retention" in message and "`pulumi refresh`" in message
    assert "does not exist or the credential cannot see it" not in message
    assert caught.value.status == 404


def test_rotating_with_a_bad_credential_or_in_a_missing_project_keeps_the_rotates_own_error(sandbox) -> None:
    """The GET that tells a deleted token apart must not hide a bad credential or a missing project."""
    from pulumi_gitlab_tokens import kinds
    from pulumi_gitlab_tokens.lifecycle import recovery, token_endpoints

    expiry = dt.date.today() + dt.timedelta(days=10)
    _provider(sandbox, "glpat-not-a-real-credential-000")
    with pytest.raises(GitLabTokenError, match="401 Unauthorized") as bad_credential:
        recovery.rotate_token(token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/app"), token_id=999,
                              bot_user_id=None, name="ci", expires_at=expiry)
    assert not isinstance(bad_credential.value, recovery.TokenGone)
    assert "401" in str(bad_credential.value) and "/rotate" in str(bad_credential.value)
    assert "gitlab:token" in str(bad_credential.value)

    _provider(sandbox, sandbox.admin_token)
    with pytest.raises(GitLabTokenError, match="404 Project Not Found") as missing_project:
        recovery.rotate_token(token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/nope"), token_id=999,
                              bot_user_id=None, name="ci", expires_at=expiry)
    assert not isinstance(missing_project.value, recovery.TokenGone)
    assert "/rotate" in str(missing_project.value) and "does not exist" in str(missing_project.value)


def test_a_subgroup_service_account_previews_as_each_version_answers(sandbox, monkeypatch) -> None:
    """Subgroup service accounts are GA from 18.11: the preview asks ``GET /version`` and agrees with GitLab."""
    from pulumi_gitlab_tokens.lifecycle import preview_checks
    from pulumi_gitlab_tokens.service_accounts.provider import GroupServiceAccountProvider

    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    preview_checks.reset()
    sub = sandbox.create_group("team", sandbox.api("GET", "/groups/acme")["id"])
    provider = GroupServiceAccountProvider()
    provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sandbox.base_url,
                                                "gitlab:token": sandbox.admin_token}, "infra")))
    failures = provider.check({}, {"group": "acme/team"}).failures
    status, _, _ = sandbox.request("POST", f"/api/v4/groups/{sub['id']}/service_accounts", {})
    if sandbox.gitlab_version != "18.1":
        assert (failures, status) == ([], 201)
    else:
        assert status == 400 and [f.property for f in failures] == ["group"]
        assert "GitLab 18.1 makes service accounts in top-level groups only" in failures[0].reason
    preview_checks.reset()


def test_a_project_service_account_previews_and_lives_as_each_version_answers(sandbox, monkeypatch) -> None:
    """Project service accounts are GA from 18.11 (18.1 has no such routes: a 404): the preview asks
    ``GET /version`` and agrees with GitLab; where GitLab has them, the account and a token of it live."""
    from pulumi_gitlab_tokens.lifecycle import preview_checks
    from pulumi_gitlab_tokens.lifecycle.provider import ProjectServiceAccountAccessTokenProvider
    from pulumi_gitlab_tokens.service_accounts.provider import ProjectServiceAccountProvider

    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    preview_checks.reset()
    config = Config({"gitlab:baseUrl": sandbox.base_url, "gitlab:token": sandbox.admin_token}, "infra")
    provider = ProjectServiceAccountProvider()
    provider.configure(ConfigureRequest(config))
    checked = provider.check({}, {"project": "acme/app"})
    project_id = sandbox.api("GET", "/projects/acme%2Fapp")["id"]
    status, _, _ = sandbox.request("GET", f"/api/v4/projects/{project_id}/service_accounts")
    if sandbox.gitlab_version == "18.1":
        assert status == 404 and [f.property for f in checked.failures] == ["project"]
        assert "GitLab 18.1 has no ProjectServiceAccount routes: upgrade GitLab to 18.11" in checked.failures[0].reason
        with pytest.raises(GitLabTokenError) as caught:  # what `up` would meet without the preview checks
            provider.create(checked.inputs)
        assert caught.value.status == 404
    else:
        assert (checked.failures, status) == ([], 200)
        account = provider.create(checked.inputs)
        user_id = account.outs["service_account_id"]
        tokens = ProjectServiceAccountAccessTokenProvider()
        tokens.configure(ConfigureRequest(config))
        news = {"project": "acme/app", "user_id": user_id, "name": "ci", "scopes": ["read_api"],
                "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
        token_check = tokens.check({}, news)
        assert token_check.failures == []
        token = tokens.create(token_check.inputs)
        assert token.outs["user_id"] == user_id and token.outs["token"].startswith("glpat-")
        tokens.delete(token.id, token.outs)
        provider.delete(account.id, account.outs)
        assert sandbox.api("GET", f"/projects/{project_id}/service_accounts") == []
    preview_checks.reset()


def test_a_security_manager_token_previews_as_each_version_answers(sandbox, monkeypatch) -> None:
    """Only 19.x has the Security Manager role: older versions refuse the level, and so does their preview."""
    from pulumi_gitlab_tokens.lifecycle import preview_checks

    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    preview_checks.reset()
    admin = _provider(sandbox, sandbox.admin_token)
    news = {"project": "acme/app", "name": "sm", "scopes": ["read_api"], "access_level": "security_manager",
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    checked = admin.check({}, news)
    if sandbox.gitlab_version == "19.2":
        assert checked.failures == []
        assert admin.create(checked.inputs).outs["access_level"] == "security_manager"
    else:
        assert [f.property for f in checked.failures] == ["access_level"]
        assert "access_level does not have a valid value" in checked.failures[0].reason
        inputs = {**admin.check({}, {**news, "access_level": "reporter"}).inputs, "access_level": "security_manager"}
        with pytest.raises(GitLabTokenError) as caught:  # what `up` would meet without the preview checks
            admin.create(inputs)
        assert "access_level does not have a valid value" in str(caught.value)
    preview_checks.reset()

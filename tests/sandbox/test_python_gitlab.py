"""The "done when" check: unmodified python-gitlab against the sandbox."""

from __future__ import annotations

import datetime as dt

import gitlab
import pytest

from support.sandbox import Sandbox


def test_full_token_lifecycle_with_python_gitlab(sb: Sandbox) -> None:
    gl = sb.gitlab()
    gl.auth()
    assert gl.user is not None and gl.user.username == "root"
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    project = gl.projects.create({"name": "app", "namespace_id": group.id})
    soon = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=60)).isoformat()

    for owner in (project, group):
        created = owner.access_tokens.create({"name": "ci", "scopes": ["api", "read_repository"],
                                              "access_level": 30, "expires_at": soon, "description": "pipeline"})
        secret = created.token
        assert secret.startswith("glpat-") and created.description == "pipeline"
        assert [t.id for t in owner.access_tokens.list()] == [created.id]
        fetched = owner.access_tokens.get(created.id)
        assert fetched.name == "ci" and fetched.access_level == 30 and not hasattr(fetched, "token")

        # Object rotation updates the object in place to the new token.
        old_id = created.id
        created.rotate()
        assert created.id != old_id and created.token != secret
        assert owner.access_tokens.get(old_id).revoked is True

        # Manager rotation returns a dict.
        result = owner.access_tokens.rotate(created.id, expires_at=soon)
        assert result["expires_at"] == soon

        # The bot's own token works with python-gitlab too, and can rotate itself.
        bot = sb.gitlab(result["token"])
        assert bot.personal_access_tokens.get("self").id == result["id"]
        # A Developer-level bot sees its resource but may not read its tokens (Maintainer/Owner only).
        seen = bot.projects.get(project.id) if owner is project else bot.groups.get(group.id)
        assert seen.id == owner.id
        with pytest.raises(gitlab.GitlabAuthenticationError, match="401 Unauthorized"):
            seen.access_tokens.list()

        owner.access_tokens.delete(result["id"])
        assert owner.access_tokens.get(result["id"]).revoked is True
        with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
            bot.personal_access_tokens.get("self")


def test_python_gitlab_errors_carry_gitlabs_messages(sb: Sandbox) -> None:
    gl = sb.gitlab()
    project = gl.projects.create({"name": "app"})
    with pytest.raises(gitlab.GitlabCreateError, match="scopes does not have a valid value") as caught:
        project.access_tokens.create({"name": "x", "scopes": ["nope"]})
    assert caught.value.response_code == 400 and caught.value.error_message == "scopes does not have a valid value"
    with pytest.raises(gitlab.GitlabRotateError, match="404 Not Found") as rotated:
        project.access_tokens.rotate(12345)
    assert rotated.value.response_code == 404
    with pytest.raises(gitlab.GitlabDeleteError, match="404 (Could not find project|project Access Token Not Found)"):
        project.access_tokens.delete(12345)

"""The access-token manager is addressed by the parent's id or path, without building a Project or Group.

``make bench`` found python-gitlab's ``gl.projects.get(x, lazy=True).access_tokens``
spending about 0.35 ms of CPU per API call constructing a lazy ``Project``
with its ~80 sub-managers. These tests pin the cheaper route: the same
URLs, no Project or Group object per call, and still one GitLab call per
operation with no project lookup.
"""

from __future__ import annotations

import gitlab.v4.objects
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from support.sandbox import running_sandbox

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.lifecycle import token_endpoints
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider

PARENTS = [
    (kinds.PROJECT, "acme/app"),
    (kinds.PROJECT, "42"),
    (kinds.PROJECT, "Acme/Sub Group/app.v2"),
    (kinds.GROUP, "acme/platform"),
    (kinds.GROUP, "7"),
]


@pytest.fixture
def parent_objects_built(monkeypatch) -> list[str]:
    """Names of python-gitlab Project/Group objects constructed while the test runs."""
    built: list[str] = []
    for cls in (gitlab.v4.objects.Project, gitlab.v4.objects.Group):
        original = cls.__init__

        def counting_init(self, *args, _original=original, _name=cls.__name__, **kwargs):
            built.append(_name)
            _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting_init)
    return built


@pytest.mark.parametrize(("kind", "parent"), PARENTS, ids=[f"{k.parent}-{p}" for k, p in PARENTS])
def test_manager_path_is_python_gitlabs_own(kind, parent):
    gitlab_client.configure(gitlab_client.Settings(base_url="https://gitlab.example", token="glpat-test-credential"))
    client = gitlab_client.admin_client()
    expected = getattr(client, kind.collection).get(parent, lazy=True).access_tokens

    manager = token_endpoints.TokenEndpoints(kind, parent)._manager()

    assert type(manager) is type(expected)
    assert manager.path == expected.path
    assert manager._parent_attrs == expected._parent_attrs


def test_create_read_delete_build_no_project_and_look_nothing_up(parent_objects_built):
    size = 3
    with running_sandbox() as sb:
        group = sb.create_group("fleet")
        for index in range(size):
            sb.create_project(f"p{index}", group["id"])
        provider = ProjectAccessTokenProvider()
        provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sb.base_url,
                                                    "gitlab:token": sb.admin_token}, "infra")))
        inputs = [
            provider.check({}, {"project": f"fleet/p{index}", "name": f"t{index}", "scopes": ["read_api"],
                                "access_level": "developer",
                                "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}).inputs
            for index in range(size)
        ]
        calls: dict[str, dict[str, int]] = {}

        def measure(operation: str, action) -> list:
            sb.reset_counters()
            results = [action(index) for index in range(size)]
            calls[operation] = {k: v for k, v in sb.counters().items() if k != "total"}
            return results

        created = measure("create", lambda i: provider.create(inputs[i]))
        measure("read", lambda i: provider.read(created[i].id, created[i].outs))
        measure("delete", lambda i: provider.delete(created[i].id, created[i].outs))

    assert calls == {
        # One listing per project per run (each project here gets one create), to find what a dead run left.
        "create": {"POST /api/v4/projects/:id/access_tokens": size, "GET /api/v4/projects/:id/access_tokens": size},
        "read": {"GET /api/v4/projects/:id/access_tokens/:token_id": size},
        "delete": {"DELETE /api/v4/projects/:id/access_tokens/:token_id": size},
    }
    assert parent_objects_built == []

"""The python-gitlab managers python-gitlab lacks, declared as python-gitlab declares its own.

Each is a manager class built from python-gitlab's mixins (``gitlab/v4/objects/*.py``'s
shape: a ``_path``, the parent's attributes it takes, its object class and create
attributes), for a GitLab route python-gitlab has no manager for. A kind names one as it
names python-gitlab's (:attr:`~..kinds.base.TokenKind.manager`), and
:func:`.gitlab_objects.python_gitlab_manager` looks here when ``gitlab.v4.objects`` has
none of that name. Loaded with python-gitlab, at the first GitLab call.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, ClassVar

from gitlab import exceptions as exc
from gitlab import types
from gitlab.base import RESTObject
from gitlab.mixins import CreateMixin, DeleteMixin, GetMixin, ListMixin, ObjectDeleteMixin
from gitlab.types import RequiredOptional

from .gitlab_client import NO_LIBRARY_RETRIES


class ProjectClusterAgentToken(ObjectDeleteMixin, RESTObject):
    """A token of a project's agent for Kubernetes (``lib/api/clusters/agent_tokens.rb``)."""


class ProjectClusterAgentTokenManager(
    CreateMixin[ProjectClusterAgentToken],
    DeleteMixin[ProjectClusterAgentToken],
    GetMixin[ProjectClusterAgentToken],
    ListMixin[ProjectClusterAgentToken],
):
    """``/projects/:id/cluster_agents/:agent_id/tokens``: create, list, get and revoke (``DELETE``).

    Hung from an agent (python-gitlab's ``ProjectClusterAgent``), as python-gitlab hangs a
    service account's tokens from the account: the project's id is the agent's
    ``project_id``, the agent's its ``id``.
    """

    _path = "/projects/{project_id}/cluster_agents/{agent_id}/tokens"
    _obj_cls = ProjectClusterAgentToken
    _from_parent_attrs = {"project_id": "project_id", "agent_id": "id"}
    _create_attrs = RequiredOptional(required=("name",), optional=("description",))


# --- runners made with POST /user/runners ------------------------------------------------------


class RunnerToken(RESTObject):
    """A runner as its authentication token's record (``lib/api/entities/ci/runner.rb``).

    A runner's ``active`` says it is not paused, not that its token is live: the token lives as
    long as the runner, so the record leaves ``active`` out and keeps ``paused``.
    """

    def __init__(self, manager: Any, attrs: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(manager, {k: v for k, v in attrs.items() if k != "active"}, *args, **kwargs)


class _RunnerTokenManager(ListMixin[RunnerToken]):
    """A runner's token: listed under its project or group (its ``runner_type`` only), read and deleted at
    ``/runners/:id``, and rotated by ``POST /runners/:id/reset_authentication_token``, whose answer (the
    value, no id) is the same runner's."""

    _obj_cls = RunnerToken
    _list_filters = ("type", "paused", "status", "tag_list")
    _types = {"tag_list": types.CommaSeparatedListAttribute}
    #: Where one runner is read, deleted and reset, whatever it is listed under.
    _by_id_path = "/runners"
    _rotate_action = "reset_authentication_token"
    _runner_type: ClassVar[str]

    def list(self, **kwargs: Any) -> Any:
        return super().list(type=self._runner_type, **kwargs)

    @exc.on_http_error(exc.GitlabGetError)
    def get(self, id: int | str, **kwargs: Any) -> RunnerToken:
        return self._obj_cls(self, self.gitlab.http_get(f"{self._by_id_path}/{_segment(id)}", **kwargs))

    @exc.on_http_error(exc.GitlabDeleteError)
    def delete(self, id: int | str, **kwargs: Any) -> None:
        self.gitlab.http_delete(f"{self._by_id_path}/{_segment(id)}", **kwargs)

    @exc.on_http_error(exc.GitlabCreateError)
    def rotate(self, id: int | str, expires_at: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Reset the token (GitLab takes no expiry here); the answer with the runner's id."""
        answer = self.gitlab.http_post(f"{self._by_id_path}/{_segment(id)}/{self._rotate_action}", **kwargs)
        return {"id": int(id), **answer} if isinstance(answer, dict) else answer


class ProjectRunnerTokenManager(_RunnerTokenManager):
    _path = "/projects/{project_id}/runners"
    _from_parent_attrs = {"project_id": "id"}
    _runner_type = "project_type"


class GroupRunnerTokenManager(_RunnerTokenManager):
    _path = "/groups/{group_id}/runners"
    _from_parent_attrs = {"group_id": "id"}
    _runner_type = "group_type"


class _UserRunnerManager(CreateMixin[RunnerToken]):
    """``POST /user/runners`` for a runner of the parent: its ``runner_type`` and the parent's numeric id.

    GitLab's ``project_id``/``group_id`` are Integers, so a parent given by full path is looked up when
    the manager is made (one GET, before any POST: its failure is never taken for a lost create answer).
    """

    _path = "/user/runners"
    _obj_cls = RunnerToken
    _create_attrs = RequiredOptional(
        required=("runner_type",),
        optional=("group_id", "project_id", "description", "paused", "locked", "run_untagged", "tag_list",
                  "access_level", "maximum_timeout", "maintenance_note"))
    _types = {"tag_list": types.CommaSeparatedListAttribute}
    _runner_type: ClassVar[str]
    _parent_field: ClassVar[str]

    def __init__(self, gl: Any, parent: Any = None) -> None:
        super().__init__(gl, parent=parent)
        assert parent is not None  # the endpoints hand every manager its parent
        parent_id = str(parent.get_id())
        if not parent_id.isdigit():  # the parent's own manager knows its collection (/projects, /groups)
            query = {"with_projects": False} if self._parent_field == "group_id" else {}
            parent_id = str(gl.http_get(f"{parent.manager.path}/{_segment(parent_id)}", query_data=query,
                                        **NO_LIBRARY_RETRIES)["id"])
        self._parent_id = int(parent_id)

    def create(self, data: dict[str, Any] | None = None, **kwargs: Any) -> RunnerToken:
        return super().create({**(data or {}), "runner_type": self._runner_type, self._parent_field: self._parent_id},
                              **kwargs)


class ProjectUserRunnerManager(_UserRunnerManager):
    _runner_type = "project_type"
    _parent_field = "project_id"


class GroupUserRunnerManager(_UserRunnerManager):
    _runner_type = "group_type"
    _parent_field = "group_id"


def _segment(value: int | str) -> str:
    return urllib.parse.quote(str(value), safe="")

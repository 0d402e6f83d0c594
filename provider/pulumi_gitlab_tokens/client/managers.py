"""The python-gitlab managers python-gitlab lacks, declared as python-gitlab declares its own.

Each is a manager class built from python-gitlab's mixins (``gitlab/v4/objects/*.py``'s
shape: a ``_path``, the parent's attributes it takes, its object class and create
attributes), for a GitLab route python-gitlab has no manager for. A kind names one as it
names python-gitlab's (:attr:`~..kinds.base.TokenKind.manager`), and
:func:`.gitlab_objects.python_gitlab_manager` looks here when ``gitlab.v4.objects`` has
none of that name. Loaded with python-gitlab, at the first GitLab call.
"""

from __future__ import annotations

from gitlab.base import RESTObject
from gitlab.mixins import CreateMixin, DeleteMixin, GetMixin, ListMixin, ObjectDeleteMixin
from gitlab.types import RequiredOptional


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

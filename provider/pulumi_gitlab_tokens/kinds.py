"""The two kinds of resource access token: what differs between project and group.

Everything else - inputs, rotation, API calls, the provider - is shared and
parameterised by a :class:`TokenKind`, the way python-gitlab's project and
group token managers differ only in their path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from . import catalogue


@dataclass(frozen=True)
class TokenKind:
    #: "project" or "group": GitLab's ``source_type`` and the input holding the id or path.
    parent: str
    #: The REST collection holding the parent (``/projects``, ``/groups``).
    collection: str
    #: The Pulumi type token of the resource.
    type_token: str
    #: The role a human needs to manage tokens here (GitLab's ``admin_project`` / ``admin_group``).
    manager_role: str

    @property
    def title(self) -> str:
        return self.parent.capitalize()


PROJECT: Final = TokenKind(
    parent="project",
    collection="projects",
    type_token=catalogue.PROJECT_TOKEN_TYPE,
    manager_role="Maintainer",
)

GROUP: Final = TokenKind(
    parent="group",
    collection="groups",
    type_token=catalogue.GROUP_TOKEN_TYPE,
    manager_role="Owner",
)

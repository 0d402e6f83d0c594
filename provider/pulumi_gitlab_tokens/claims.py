"""The ownership mark on what GitLab can leave behind besides tokens: CI/CD variables and service accounts.

A variable carries the mark at the end of its ``description``, a service
account at the end of its ``name`` (docs/ownership-variables-and-accounts.md
says why those fields). The mark itself, its owner digest and its parsing are
:mod:`.ownership`'s; this module only says which stack and resource a
provider instance serves and whether a text's mark names them.
"""

from __future__ import annotations

from typing import Any

from . import ownership
from .ownership import Mark


class Declared:
    """A provider instance that knows the stack and resource declaring it (pickled with it: no secret).

    Both are ``None`` in a state written before variables and accounts were
    marked: such an instance marks nothing and claims nothing.
    """

    #: ``"<organization>/<project>/<stack>"``, as for the token providers.
    owner: str | None = None
    #: The resource's type and name after its parents' (``resources._identity``).
    resource: str | None = None

    def __init__(self, owner: str | None = None, resource: str | None = None) -> None:
        super().__init__()
        if owner is not None:
            self.owner = owner
        if resource is not None:
            self.resource = resource

    def owner_digest(self) -> str | None:
        """The owner part of this resource's mark, or ``None`` when the instance does not know its resource."""
        if self.owner is None or self.resource is None:
            return None
        return ownership.owner_digest(self.owner, self.resource)


def new_mark(owner: str | None) -> Mark | None:
    """A mark for one write, or ``None`` for an instance that marks nothing."""
    return None if owner is None else ownership.new_mark(owner)


def with_mark(text: str | None, mark: Mark | None) -> str | None:
    """``text`` as sent to GitLab: the user's, then the mark (unchanged without a mark)."""
    return text if mark is None else ownership.marked(text, mark)


def without_mark(text: Any) -> str | None:
    """What the user wrote: GitLab's text without the mark."""
    return ownership.user_description(text)


def mark_in(text: Any) -> Mark | None:
    return ownership.parse(text)[1]


def claimed_by(text: Any, owner: str | None) -> bool:
    """Whether ``text`` ends with a mark of ``owner`` (any attempt); never for an unknown owner."""
    mark = mark_in(text)
    return owner is not None and mark is not None and mark.owner == owner


def whose(text: Any) -> str:
    """Why a marked field does not prove ownership, in words for an error message."""
    if mark_in(text) is None:
        return "it carries no ownership mark (made by hand, by another tool, or by a version of this provider " \
               "that did not mark it)"
    return "its ownership mark names another stack, or another resource of this stack"

"""python-gitlab's objects the endpoints drive: the managers kinds name, and a parent to hang them from.

Loaded at the first GitLab call (see :mod:`.gitlab_client` for why not earlier).
"""

from __future__ import annotations

import gitlab.base
import gitlab.v4.objects

from . import managers


def python_gitlab_manager(name: str) -> type[gitlab.base.RESTManager]:
    """The manager class a kind names (:attr:`~.TokenKind.manager`): python-gitlab's, from ``gitlab.v4.objects``,
    or where python-gitlab has none, ours declared the same way (:mod:`.managers`)."""
    manager: type[gitlab.base.RESTManager] = getattr(gitlab.v4.objects, name, None) or getattr(managers, name)
    return manager


class ParentRef(gitlab.base.RESTObject):
    """A project or group known only by its id or full path: just enough parent for a manager.

    The manager takes the parent's ``id`` into its path, URL-encoded as python-gitlab
    always does (``acme/app`` becomes ``acme%2Fapp``); this class has no
    sub-managers to build and never calls GitLab.
    """

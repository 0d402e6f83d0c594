"""The ownership mark on what GitLab can leave behind besides tokens: CI/CD variables and service accounts.

A variable carries the mark at the end of its ``description``, a service
account at the end of its ``name`` (docs/ownership-variables-and-accounts.md
says why those fields). The mark itself, its owner digest and its parsing are
:mod:`.ownership`'s; this module only says which stack and resource a
provider instance serves and whether a text's mark names them.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ConfigureRequest

from ..client import gitlab_client
from ..common import serving
from ..rules import ownership
from ..rules.ownership import Mark

#: Variables and accounts have one generation: a create waits for the marks of its own bounded
#: attempts, and what the state holds is never taken (docs/ownership-variables-and-accounts.md).
GENERATION = 1


class Declared:
    """A provider instance that knows the backend, stack and resource declaring it (pickled with it: no secret).

    Each is ``None`` in a state written before it was recorded; a variable or
    account provider without stack and resource marks nothing and claims nothing.
    """

    #: ``"<organization>/<project>/<stack>"`` of the program that declared the resource.
    owner: str | None = None
    #: The declaring resource's type and name after its parents' (URN-like, ``resources._identity``):
    #: two resources of one stack whose records share a name get different marks.
    resource: str | None = None
    #: The backend the CLI resolved for the program, normalised (no credential in it,
    #: :func:`.ownership.backend_identity`).
    backend: str | None = None

    def __init__(self, owner: str | None = None, resource: str | None = None, backend: str | None = None) -> None:
        super().__init__()
        if owner is not None:
            self.owner = owner
        if resource is not None:
            self.resource = resource
        if backend is not None:
            self.backend = backend

    def configure(self, req: ConfigureRequest) -> None:
        """Read ``gitlab:*`` stack config (env fallbacks) into the process-wide settings.

        The engine configures one instance per distinct ``__provider``, which names its resource,
        so this runs once per resource: it only reads a few keys, and :func:`gitlab_client.configure`
        keeps the shared client while the settings are unchanged.
        """
        gitlab_client.configure(gitlab_client.settings_from_config(req.config.get))
        serving.serve_everything_the_engine_sends()  # the SDK's pool serves 4 calls at a time

    def keyed_owner(self, generation: int) -> ownership.Owner | None:
        """Who marks this resource's records at ``generation``, keyed (:mod:`.ownership`); ``None`` when no
        secret keys the mark."""
        settings = gitlab_client.current_settings()
        if not (settings.ownership_key or settings.token):
            return None
        return ownership.Owner(
            identity=ownership.owner_identity(self.backend, self.owner, self.resource),
            key=ownership.signing_key(settings.ownership_key, settings.token),
            generation=generation,
            legacy=ownership.owner_digest(self.owner, self.resource),
        )

    def claimant(self) -> ownership.Owner | None:
        """Who marks a variable's or account's record (:data:`GENERATION`); ``None`` when the instance
        does not know its resource, or no secret keys the mark."""
        if self.owner is None or self.resource is None:
            return None
        return self.keyed_owner(GENERATION)

def new_mark(owner: ownership.Owner | None, name: str, attempt: int = 0) -> Mark | None:
    """The mark of write ``attempt`` of a record named ``name`` (a variable's key, an account's display
    name), or ``None`` for an instance that marks nothing."""
    return None if owner is None else owner.mark(attempt, name)


def with_mark(text: str | None, mark: Mark | None) -> str | None:
    """``text`` as sent to GitLab: the user's, then the mark (unchanged without a mark)."""
    return text if mark is None else ownership.marked(text, mark)


def without_mark(text: Any) -> str | None:
    """What the user wrote: GitLab's text without the mark."""
    return ownership.user_description(text)


def mark_in(text: Any) -> Mark | None:
    mark = ownership.parse(text)[1]
    return mark if isinstance(mark, Mark) else None


def claimed_by(text: Any, owner: ownership.Owner | None, name: str) -> bool:
    """Whether ``text`` ends with a mark ``owner`` made for a record named ``name``; never for an unknown owner.

    A mark copied onto another record's text, or from another backend, stack, resource or key, is not.
    """
    return owner is not None and owner.minted(ownership.parse(text)[1], name)


def whose(text: Any) -> str:
    """Why a marked field does not prove ownership, in words for an error message."""
    if ownership.parse(text)[1] is None:
        return "it carries no ownership mark (made by hand, by another tool, or by a version of this provider " \
               "that did not mark it)"
    return ("its ownership mark names another stack, or another resource of this stack, or another backend, "
            "or was made under another key (a rotated credential or ownershipKey), or was copied from another "
            "record")

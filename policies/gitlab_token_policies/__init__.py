"""CrossGuard policies for every kind of GitLab token: the ``gitlab-tokens`` pack.

This package only *defines* the policies; the pack's ``__main__.py`` builds the
``PolicyPack`` from :data:`POLICIES`. (Constructing a ``PolicyPack`` starts a
gRPC server and blocks forever, so it must never happen on import: the tests
import this package.)

One module per policy, each holding its rule, config schema with defaults,
default enforcement level, remediation (where it has one) and docs:

- :mod:`.scopes`, :mod:`.lifetime`, :mod:`.rotation`, :mod:`.access_level`,
  :mod:`.description`, :mod:`.naming`: resource policies, one token at a time;
- :mod:`.expiring`, :mod:`.unique_names`: stack policies, across the stack.

Shared parts: :mod:`.tokens` reads our resources' and pulumi-gitlab's
properties alike and gives each token its kind's facts (``Token.kind``: scopes,
parent, role, description, renewal, from ``TOKEN_TYPES`` in :mod:`._token_types`,
generated from the provider's kind declarations),
:mod:`.config` reads policy config, :mod:`.resource_policy` turns a check into a
policy. GitLab's facts come from :mod:`._catalogue`, a
generated copy of the provider's catalogue, so the pack needs nothing but
``pulumi-policy`` to run.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from .access_level import token_access_level
from .config import load_config, schema_defaults
from .description import token_description
from .expiring import token_expiring
from .lifetime import token_lifetime
from .naming import token_name
from .rotation import token_rotation
from .scopes import token_scopes
from .tokens import camel_case
from .unique_names import token_unique_names

#: The pack's name as the CLI shows it (``gitlab-tokens@v0.3.0``).
PACK_NAME: Final[str] = "gitlab-tokens"

#: The pack's version; PulumiPolicy.yaml's ``version`` says the same (a test checks).
__version__: Final[str] = "0.3.0"

#: Every policy in the pack, in the order the CLI lists them.
POLICIES: Final[list[Policy]] = [
    token_scopes,
    token_lifetime,
    token_rotation,
    token_access_level,
    token_description,
    token_name,
    token_expiring,
    token_unique_names,
]

__all__ = [
    "PACK_NAME",
    "POLICIES",
    "camel_case",
    "load_config",
    "schema_defaults",
    "token_access_level",
    "token_description",
    "token_expiring",
    "token_lifetime",
    "token_name",
    "token_rotation",
    "token_scopes",
    "token_unique_names",
]

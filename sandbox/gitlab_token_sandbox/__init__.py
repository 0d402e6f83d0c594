"""A local GitLab server for access tokens: ``python -m gitlab_token_sandbox``.

The sandbox implements the slice of GitLab's REST API v4 that project and
group access tokens touch, with GitLab's status codes, error bodies and
headers, plus test controls under ``/-/sandbox/``. It uses only the standard
library, and imports nothing from the provider it is used to test: GitLab's
rules live in ``rules``, written from GitLab's source.

Module map (read in this order):

- ``__main__``    command line: parse options, start, print URL and admin token, stop on signals
- ``server``      HTTP plumbing: request parsing, routing, faults, counters, the request log
- ``pool``        serving limits: worker pool, bounded queue, whole-request deadline
- ``urls``        the route table: which template goes to which handler, with which scope rule
- ``auth``        who is calling: token lookup, expiry/revocation, scopes, sudo
- ``rules``       GitLab's rules for tokens (scopes, levels, limits), from GitLab's source
- ``models``      the token services (create, rotate, revoke, list): GitLab's behaviour, no HTTP
- ``responses``   the token endpoints' HTTP side: parameters in, entities out
- ``api_resources`` the endpoints around tokens: users, groups, projects, members
- ``service_accounts`` group, project and instance service accounts and their tokens
- ``personal_tokens`` ``/personal_access_tokens/:id``: list, get, rotate, revoke by id
- ``deploy_tokens`` project and group deploy tokens
- ``permissions`` access-level and visibility rules
- ``store``       all state, in one SQLite connection behind a lock
- ``entities``    the JSON shapes GitLab returns
- ``errors``      every GitLab-shaped error, and the one place that turns them into responses
- ``controls``    ``/-/sandbox/*``: clock, faults, rate limit, counters, reset, token census
- ``faults``, ``counters``, ``clock``, ``tokens``, ``params``, ``pagination``, ``web``: small helpers
"""

from __future__ import annotations

from .config import SandboxConfig
from .server import SandboxServer

__all__ = ["SandboxConfig", "SandboxServer"]

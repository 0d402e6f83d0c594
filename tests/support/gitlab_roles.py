"""GitLab's ``RolesHelpers.assignable_roles`` (spec/support/helpers/roles_helpers.rb): who may give which role.

One copy of GitLab's table for the sandbox's, the provider's and the policy pack's tests.
"""

from __future__ import annotations

from typing import Final, Mapping

ASSIGNABLE_ROLES: Final[Mapping[str, frozenset[str]]] = {
    "owner": frozenset({"owner", "maintainer", "planner", "developer", "security_manager", "reporter", "guest"}),
    "maintainer": frozenset({"maintainer", "developer", "reporter", "guest"}),
    "developer": frozenset({"developer", "reporter", "guest"}),
    "security_manager": frozenset({"security_manager", "reporter", "guest"}),
    "reporter": frozenset({"reporter", "guest"}),
    "planner": frozenset({"planner", "guest"}),
    "guest": frozenset({"guest"}),
}

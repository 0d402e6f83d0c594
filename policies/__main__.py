"""Entry point the Pulumi CLI runs for this policy pack.

It only builds the ``PolicyPack``: that constructor starts the analyzer's
gRPC server and blocks forever, so it lives here and never in an importable
module. The policies themselves are in the ``gitlab_token_policies`` package.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

import gitlab_token_policies

PolicyPack(
    name=gitlab_token_policies.PACK_NAME,
    policies=gitlab_token_policies.POLICIES,
    # Each policy sets its own default level; this only covers policies that do not.
    enforcement_level=EnforcementLevel.ADVISORY,
)

"""Version profiles: what differs between the GitLab versions the sandbox imitates.

``--gitlab-version`` picks one; the default is the newest. Each profile says
which GitLab releases it stands for (``stands_for``), from dated copies of
GitLab's source. Everything not listed here is the same in all of them (and lives in
:mod:`.rules` and :mod:`.models`).
Each difference names the GitLab source it was read from (gitlab-org/gitlab,
mirrored as gitlabhq/gitlabhq); docs/sandbox.md has the same table for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Mapping

from . import rules


@dataclass(frozen=True)
class Profile:
    """One GitLab version's behaviour where versions differ."""

    #: What ``GET /version`` reports, and the ``Server`` header.
    version: str
    #: The GitLab releases this profile stands for, and the dated copies of GitLab's source that say so.
    stands_for: str
    #: ``lib/api/resource_access_tokens.rb``: 19.x declares ``expires_at`` without a default and the
    #: create answers ``400 expires_at is missing``; before, it defaulted to the maximum lifetime.
    expires_at_required: bool
    #: ``lib/api/resource_access_tokens.rb``: the 404 of get and revoke for an unknown token.
    not_found_wording: str
    #: ``app/services/resource_access_tokens/create_service.rb``: a level the creator does not encompass.
    create_level_message: str
    #: Same service: an Owner-level project token by a non-Owner (18.x has its own message for it).
    owner_provision_message: str
    #: ``app/services/{project,group}_access_tokens/rotate_service.rb``: a bot level the caller does not encompass.
    rotate_level_message: str
    #: ``lib/gitlab/access.rb`` ``options_with_owner``: the roles a member or a token may have.
    access_levels: Mapping[str, int]
    #: ``lib/gitlab/auth.rb`` ``resource_bot_scopes``.
    resource_token_scopes: tuple[str, ...]
    #: ``lib/api/entities/personal_access_token.rb``: the ``granular`` field (false for legacy tokens).
    reports_granular: bool
    #: ``lib/api/entities/resource_access_token.rb`` extends ``PersonalAccessTokenWithLastUsedIps`` and
    #: ``PersonalAccessTokens::LastUsedService`` records the caller's IPs.
    reports_last_used_ips: bool
    #: ``lib/api/helpers/personal_access_tokens_helpers.rb`` ``revoke_token``: the 400 of a refused revoke,
    #: ``bad_request!(nil)`` before, ``bad_request!(service.message)`` in the 19.x helper.
    revoke_refused_message: str = "400 Bad request"
    #: ``ee/lib/api/project_service_accounts.rb``: the project routes exist (18.10 behind a flag, GA 18.11);
    #: before, GitLab has no such route and answers Grape's ``404 Not Found``.
    project_service_accounts: bool = False
    #: ``create_service_account`` without ``~has_parent`` (GA 18.11): a subgroup's Owner (or an
    #: administrator) may make an account in a subgroup; before, only in a top-level group.
    subgroup_service_accounts: bool = False
    #: ``check_rate_limit!(:service_account_creation, scope: current_user)`` on the group, project and
    #: instance create routes (``lib/gitlab/application_rate_limiter.rb``, 18.11.3).
    service_account_creation_limited: bool = False

    def token_not_found(self, kind: str, ident: str) -> str:
        return self.not_found_wording.format(kind=kind, ident=ident)


GITLAB_18_1: Final = Profile(
    version="18.1.0",
    stands_for=(
        "GitLab 17.9 to 18.6: the ~17.9 copy (its project_access_tokens doc has 17.9 GA items, none of 17.10). "
        "18.7 ends it: the flag allow_resource_access_token_creation_without_expiry_date (milestone 18.7, off) "
        "makes expires_at required, and the >=18.7 copy has the new 404 wording. The level messages probably "
        "changed earlier, with Authz::Role (the 18.3.2 copy uses it): unconfirmed."),
    expires_at_required=False,
    not_found_wording="Could not find {kind} access token with token_id: {ident}",
    create_level_message=("Access level of the token can't be greater the access level of the user who created "
                          "the token"),
    owner_provision_message="Could not provision owner access to project access token",
    rotate_level_message="Not eligible to rotate token with access level higher than the user",
    access_levels=rules.ACCESS_LEVELS,
    resource_token_scopes=rules.RESOURCE_TOKEN_SCOPES,
    reports_granular=False,
    reports_last_used_ips=False,
)

GITLAB_18_11: Final = Profile(
    version="18.11.0",
    stands_for=(
        "GitLab 18.11: the 18.11.3 copy (CHANGELOG from 18.11.3, 2026-05-13) and 18.10.3 for the create service. "
        "Required expiry and the new 404 wording (from 18.7), the new level wording, project and subgroup service "
        "accounts GA with their creation limit (18.11); not yet 19.x's Security Manager (behind the "
        "GITLAB_SECURITY_MANAGER_ROLE environment variable, off, in the 18.9-dev and >=18.7 copies; 18.11.3's "
        "switch was not read), mcp_orbit and granular scopes, granular and last_used_ips fields, revoke wording."),
    expires_at_required=True,
    not_found_wording="{kind} Access Token",
    create_level_message="Access level of the token contains permissions not held by the creating user",
    owner_provision_message="Access level of the token contains permissions not held by the creating user",
    rotate_level_message="Not eligible to rotate tokens with permissions not held by the user",
    access_levels=rules.ACCESS_LEVELS,
    resource_token_scopes=rules.RESOURCE_TOKEN_SCOPES,
    reports_granular=False,
    reports_last_used_ips=False,
    project_service_accounts=True,
    subgroup_service_accounts=True,
    service_account_creation_limited=True,
)

GITLAB_19_2: Final = Profile(
    version="19.2.0",
    stands_for=(
        "GitLab 19.2 and later: the 19.2-dev copy (CHANGELOG from 19.1.2, docs: last_used_ips introduced in 19.2). "
        "Its required expiry and 404 wording date from 18.7, project and subgroup service accounts and their "
        "creation limit from 18.11 (18.11.3 copy), Security Manager as an assignable role from 19.0 or 19.1 "
        "(GA, exact release unconfirmed), mcp_orbit, granular and last_used_ips from 19.x."),
    expires_at_required=True,
    not_found_wording="{kind} Access Token",
    create_level_message="Access level of the token contains permissions not held by the creating user",
    owner_provision_message="Access level of the token contains permissions not held by the creating user",
    rotate_level_message="Not eligible to rotate tokens with permissions not held by the user",
    access_levels={**rules.ACCESS_LEVELS, "security_manager": rules.SECURITY_MANAGER},
    resource_token_scopes=rules.RESOURCE_TOKEN_SCOPES + rules.SCOPES_ADDED_IN_19,
    reports_granular=True,
    reports_last_used_ips=True,
    revoke_refused_message="400 Bad request - Not permitted to revoke",
    project_service_accounts=True,
    subgroup_service_accounts=True,
    service_account_creation_limited=True,
)

#: Every profile by the version ``--gitlab-version`` takes; the last one is the default.
PROFILES: Final[Mapping[str, Profile]] = {"18.1": GITLAB_18_1, "18.11": GITLAB_18_11, "19.2": GITLAB_19_2}
DEFAULT_VERSION: Final = "19.2"

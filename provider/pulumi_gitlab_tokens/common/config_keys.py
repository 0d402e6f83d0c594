"""The stack-config keys and environment variables the provider reads, and whose namespace each is in.

``gitlab:baseUrl``, ``gitlab:token``, ``gitlab:insecure`` and ``gitlab:cacertFile``
are pulumi-gitlab's own keys, read as it reads them, so one stack config serves
both providers. Settings pulumi-gitlab does not have live in this package's own
namespace, ``gitlab-tokens:``: pulumi-gitlab's bridged provider rejects keys it
does not know in ``gitlab:``, so a key of ours there breaks any stack that also
uses pulumi-gitlab.
"""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "gitlab-tokens"

BASE_URL_KEY: Final = "gitlab:baseUrl"

#: The instance's maximum token lifetime in days, when it is not GitLab's 365.
MAX_LIFETIME_KEY: Final = f"{NAMESPACE}:maxTokenLifetimeDays"
#: Where :data:`MAX_LIFETIME_KEY` used to be; still read, with a warning naming the new key.
LEGACY_MAX_LIFETIME_KEY: Final = "gitlab:maxTokenLifetimeDays"

#: ``false`` turns off the checks ``pulumi preview`` makes with GitLab before a token is created.
PREVIEW_CHECKS_KEY: Final = f"{NAMESPACE}:previewChecks"
PREVIEW_CHECKS_ENV: Final = "GITLAB_TOKENS_PREVIEW_CHECKS"

#: The secret keying the ownership mark (see docs/ownership.md); without it, a key derived from ``gitlab:token``.
OWNERSHIP_KEY: Final = f"{NAMESPACE}:ownershipKey"
OWNERSHIP_KEY_MIN_LENGTH: Final = 16

BASE_URL_ENV: Final = "GITLAB_BASE_URL"
TOKEN_ENV: Final = "GITLAB_TOKEN"
#: GitLab CI's predefined variables: inside a job, ``CI_SERVER_URL`` is the instance running it.
GITLAB_CI_ENV: Final = "GITLAB_CI"
CI_SERVER_URL_ENV: Final = "CI_SERVER_URL"


def legacy_max_lifetime_warning(value: object, current: object) -> str:
    """What to tell a stack that still sets :data:`LEGACY_MAX_LIFETIME_KEY` (to ``value``)."""
    reason = (
        "pulumi-gitlab rejects keys it does not know in the gitlab namespace, so a stack that also uses "
        "pulumi-gitlab fails with it"
    )
    if current not in (None, ""):
        return (
            f"{LEGACY_MAX_LIFETIME_KEY} ({value}) is ignored because {MAX_LIFETIME_KEY} ({current}) is set; "
            f"remove it with `pulumi config rm {LEGACY_MAX_LIFETIME_KEY}`: {reason}."
        )
    return (
        f"{LEGACY_MAX_LIFETIME_KEY} is deprecated and still applies for now; move it with "
        f"`pulumi config set {MAX_LIFETIME_KEY} {value} && pulumi config rm {LEGACY_MAX_LIFETIME_KEY}`: "
        f"{reason}."
    )

"""GitLab's rules for access tokens, written from GitLab's source (the 18.x profile).

The sandbox imitates GitLab, so these facts come from GitLab itself and not
from the provider that the sandbox is used to test: a wrong fact in the
provider must show up as a failing test, not be repeated here. A test in the
project compares the facts both sides hold (scopes, levels, limits) so that a
drift between them is caught.

Sources (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq):

- scopes: ``lib/gitlab/auth.rb`` (``API_SCOPES``, ``REPOSITORY_SCOPES``, ...,
  ``resource_bot_scopes = non_admin_available_scopes - [READ_USER_SCOPE]``);
- access levels: ``lib/gitlab/access.rb`` (``options_with_owner``) and
  ``lib/api/resource_access_tokens.rb`` (``access_level`` default 40);
- "encompasses": ``lib/gitlab/access.rb`` (``level_encompasses?``, 18.10 and later; before it
  ``app/models/authz/role.rb`` ``access_level_encompasses?``), with the table of
  ``spec/support/helpers/roles_helpers.rb`` (``assignable_roles``);
- limits: ``app/models/personal_access_token.rb``
  (``MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS = 365``,
  ``MAX_DESCRIPTION_LENGTH = 255``, the ``name`` column's 255 characters, the
  ``glpat-`` default of ``personal_access_token_prefix``);
- rotation: ``app/services/personal_access_tokens/rotate_service.rb`` (a week
  when no ``expires_at`` is sent and expiry is required).
"""

from __future__ import annotations

import re
from typing import Final, Mapping

# --- scopes (lib/gitlab/auth.rb) ---------------------------------------------------

#: ``API_SCOPES``: api, read_api, read_user, the runner scopes, k8s_proxy, self_rotate.
API_SCOPES: Final = ("api", "read_api", "read_user", "create_runner", "manage_runner", "k8s_proxy",
                     "self_rotate")
REPOSITORY_SCOPES: Final = ("read_repository", "write_repository")
#: Present when the container registry is enabled (it is, in the sandbox).
REGISTRY_SCOPES: Final = ("read_registry", "write_registry")
#: Present when the dependency proxy is enabled (it is, in the sandbox).
VIRTUAL_REGISTRY_SCOPES: Final = ("read_virtual_registry", "write_virtual_registry")
OBSERVABILITY_SCOPES: Final = ("read_observability", "write_observability")
AI_FEATURES_SCOPES: Final = ("ai_features",)
#: The Model Context Protocol scope (18.x).
MCP_SCOPES: Final = ("mcp",)
#: ``ADMIN_SCOPES``: only administrators' personal tokens may carry these.
ADMIN_SCOPES: Final = ("sudo", "admin_mode", "read_service_ping")

#: ``non_admin_available_scopes``.
NON_ADMIN_SCOPES: Final = (API_SCOPES + REPOSITORY_SCOPES + REGISTRY_SCOPES + VIRTUAL_REGISTRY_SCOPES
                           + OBSERVABILITY_SCOPES + AI_FEATURES_SCOPES + MCP_SCOPES)

#: ``resource_bot_scopes``: what ``POST /{projects,groups}/:id/access_tokens`` accepts.
RESOURCE_TOKEN_SCOPES: Final = tuple(scope for scope in NON_ADMIN_SCOPES if scope != "read_user")

#: Scopes 19.x adds to ``resource_bot_scopes`` (``MCP_ORBIT_SCOPE``, ``GRANULAR_SCOPE``).
SCOPES_ADDED_IN_19: Final = ("mcp_orbit", "granular")

#: ``all_available_scopes``: what a personal access token may carry.
PERSONAL_TOKEN_SCOPES: Final = NON_ADMIN_SCOPES + ADMIN_SCOPES

#: Scopes of ``API::API``'s guard: ``api`` everywhere, ``read_api`` for GET and HEAD only.
READ_METHODS: Final = ("GET", "HEAD")

# --- access levels (lib/gitlab/access.rb) ------------------------------------------

GUEST: Final = 10
PLANNER: Final = 15
REPORTER: Final = 20
DEVELOPER: Final = 30
MAINTAINER: Final = 40
OWNER: Final = 50
#: Security Manager (19.x). Its number sits between Reporter and Developer, but it is not in
#: their hierarchy: see :data:`NON_HIERARCHY_LEVELS`.
SECURITY_MANAGER: Final = 25

#: ``Gitlab::Access.level_encompasses?``'s ``non_hierarchy_roles``: roles that hold permissions
#: the roles above them by number lack, so only an Owner or a holder of the same role may assign them.
NON_HIERARCHY_LEVELS: Final = (PLANNER, SECURITY_MANAGER)

#: ``Gitlab::Access.options_with_owner``: the roles a member or a token may have.
ACCESS_LEVELS: Final[Mapping[str, int]] = {
    "guest": GUEST,
    "planner": PLANNER,
    "reporter": REPORTER,
    "developer": DEVELOPER,
    "maintainer": MAINTAINER,
    "owner": OWNER,
}

#: The ``access_level`` a token gets when the create request has none.
DEFAULT_TOKEN_ACCESS_LEVEL: Final = MAINTAINER

#: The level a member needs to manage a resource's access tokens
#: (``admin_project`` for projects, ``admin_group`` for groups).
TOKEN_ADMIN_LEVEL: Final[Mapping[str, int]] = {"project": MAINTAINER, "group": OWNER}


def access_level_encompasses(caller_level: int, token_level: int) -> bool:
    """``Gitlab::Access.level_encompasses?``: may ``caller_level`` hand out ``token_level``?

    An Owner holds every permission. A role outside the hierarchy (Planner,
    Security Manager) is encompassed only by an Owner and by itself, whatever
    its number; every other level by any level at least as high. So a
    Maintainer gives neither Planner nor Security Manager, and a Security
    Manager gives Security Manager, Reporter and Guest.
    """
    if caller_level >= OWNER:
        return True
    if token_level in NON_HIERARCHY_LEVELS:
        return caller_level == token_level
    return token_level <= caller_level


# --- limits (app/models/personal_access_token.rb) -----------------------------------

#: ``MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS``: the longest lifetime a new token may have.
MAX_LIFETIME_DAYS: Final = 365

#: ``RotateService#expires_at``: the new token's lifetime when rotate has no ``expires_at``.
ROTATION_DEFAULT_DAYS: Final = 7

#: ``validates :name, length: { maximum: 255 }`` (the column's size).
NAME_MAX_LENGTH: Final = 255

#: ``MAX_DESCRIPTION_LENGTH``.
DESCRIPTION_MAX_LENGTH: Final = 255

#: The default of the ``personal_access_token_prefix`` application setting.
TOKEN_PREFIX: Final = "glpat-"

#: ``PersonalAccessTokens::LastUsedService``: ``last_used_at`` moves at most this often (minutes).
LAST_USED_INTERVAL_MINUTES: Final = 10

#: ``PersonalAccessTokens::LastUsedService`` (19.x): the distinct IPs kept in ``last_used_ips``, newest last.
LAST_USED_IPS_KEPT: Final = 5

#: ``ApplicationSetting::INACTIVE_RESOURCE_ACCESS_TOKENS_DELETE_AFTER_DAYS``: an inactive token family and
#: its bot user are deleted this many days after the family's last active token became inactive.
INACTIVE_TOKEN_RETENTION_DAYS: Final = 30


# --- paths (lib/gitlab/path_regex.rb, as the API's create endpoints apply it) ---------

#: One segment of a group's or project's path: letters, digits, ``_``, ``-``, ``.``; not starting with ``-``.
PATH_SEGMENT: Final = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$")


# --- service accounts (lib/api/{group,project}_service_accounts.rb, lib/api/service_accounts.rb) -----

#: ``User::SERVICE_ACCOUNT_PREFIX``: generated usernames are ``service_account[_{group|project}_{id}]_{32 hex}``.
SERVICE_ACCOUNT_PREFIX: Final = "service_account"

#: ``Users::ServiceAccounts::CreateService#name``: the name when the create request has none.
SERVICE_ACCOUNT_DEFAULT_NAME: Final = "Service account user"

#: The level that holds ``admin_service_accounts`` (list, tokens, delete): Owner of a group
#: (``ee/app/policies/ee/group_policy.rb``), Maintainer of a project (the endpoint's own description:
#: "Owners, Maintainers, and administrators").
SERVICE_ACCOUNT_ADMIN_LEVEL: Final[Mapping[str, int]] = {"project": MAINTAINER, "group": OWNER}

#: The list endpoints' ``order_by`` values; ``sort`` is ``asc``/``desc`` and defaults to ``desc``.
SERVICE_ACCOUNT_ORDERS: Final = ("id", "username")

# --- deploy tokens (app/models/deploy_token.rb, lib/api/deploy_tokens.rb) ------------------------

#: ``DeployToken::AVAILABLE_SCOPES``, in the model's order (``scopes`` answers in this order).
DEPLOY_TOKEN_SCOPES: Final = ("read_repository", "read_registry", "write_registry", "read_package_registry",
                              "write_package_registry", "read_virtual_registry", "write_virtual_registry")

#: ``DeployToken::DEPLOY_TOKEN_PREFIX``.
DEPLOY_TOKEN_PREFIX: Final = "gldt-"

#: ``DeployToken#default_username``, filled with the token's id.
DEPLOY_TOKEN_DEFAULT_USERNAME: Final = "gitlab+deploy-token-{id}"

#: ``validates :username, format:`` and its message.
DEPLOY_TOKEN_USERNAME: Final = re.compile(r"^[a-zA-Z0-9.+_-]+$")
DEPLOY_TOKEN_USERNAME_MESSAGE: Final = "Username can contain only letters, digits, '_', '-', '+', and '.'"

#: Who may read, create and delete deploy tokens (``read_/create_/destroy_deploy_token``):
#: project policy grants all three to Maintainers; group policy grants read to Maintainers and
#: create/destroy to Owners.
DEPLOY_TOKEN_READ_LEVEL: Final[Mapping[str, int]] = {"project": MAINTAINER, "group": MAINTAINER}
DEPLOY_TOKEN_MANAGE_LEVEL: Final[Mapping[str, int]] = {"project": MAINTAINER, "group": OWNER}


# --- users: the username, name and email a service account may have ------------------------------
# ``app/models/user.rb`` (``validates :username``, ``check_username_format``, ``sanitize_attrs``,
# ``set_username_errors``), ``app/models/namespace.rb`` (the user namespace's ``path``),
# ``lib/gitlab/path_regex.rb`` and ``lib/gitlab/regex.rb``. The create answers
# ``400 Bad request - <full messages, to_sentence>``.

#: ``Gitlab::PathRegex::TOP_LEVEL_ROUTES``: ``validates :username, exclusion:`` ("%{value} is a reserved name").
RESERVED_USERNAMES: Final = (
    "-", ".well-known", "404.html", "422.html", "500.html", "502.html", "503.html", "abuse_reports", "admin",
    "api", "apple-touch-icon-precomposed.png", "apple-touch-icon.png", "assets", "autocomplete", "ci",
    "dashboard", "deploy.html", "explore", "favicon.ico", "files", "groups", "header_logo_dark.png",
    "header_logo_light.png", "health_check", "help", "import", "invites", "jwt", "koding",
    "notification_settings", "oauth", "profile", "projects", "public", "robots.txt", "s", "search",
    "sent_notifications", "slash-command-logo.png", "snippets", "u", "unsubscribes", "uploads", "users",
)

#: ``User::RESERVED_AI_USERNAME_PREFIXES`` (18.11): names kept for GitLab's own AI agents. The rule is
#: from 18.11.3's ``user.rb``; the sandbox's wording of its message was not read from GitLab.
RESERVED_USERNAME_PREFIXES: Final = ("duo-", "duo_", "ai-", "ai_")

#: ``Mime::EXTENSION_LOOKUP``'s keys (Rails' registered types): ``check_username_format`` refuses a
#: username ending in ``.<one of these>``.
RESERVED_FILE_EXTENSIONS: Final = (
    "html", "xhtml", "text", "txt", "js", "css", "ics", "csv", "vcf", "vtt", "png", "jpeg", "jpg", "jpe", "pjpeg",
    "gif", "bmp", "tiff", "tif", "svg", "webp", "mpeg", "mpg", "mpe", "mp3", "mp1", "mp2", "ogg", "oga", "spx",
    "opus", "m4a", "mpg4", "aac", "webm", "mp4", "m4v", "otf", "ttf", "woff", "woff2", "xml", "rss", "atom",
    "yaml", "yml", "multipart_form", "url_encoded_form", "json", "pdf", "zip", "gzip", "gz",
)

#: The user namespace's ``path``: at least 2 characters (``Namespace`` ``validates :path, length:``), at most
#: ``URL_MAX_LENGTH``.
USERNAME_MIN_LENGTH: Final = 2
USERNAME_MAX_LENGTH: Final = 255

#: ``Gitlab::PathRegex.namespace_format_regex``: may start with ``.``, not with ``-``; must not end in
#: ``.``, ``.git`` or ``.atom``.
NAMESPACE_PATH: Final = re.compile(r"(?:[a-zA-Z0-9_.][a-zA-Z0-9_.-]*[a-zA-Z0-9_-]|[a-zA-Z0-9_])(?<!\.git)(?<!\.atom)")
NAMESPACE_PATH_MESSAGE: Final = ("can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or "
                                 "end in '.', '.git' or '.atom'.")

#: ``Gitlab::Regex.oci_repository_path_regex``: letters and digits, single separators between them.
OCI_PATH: Final = re.compile(r"[a-zA-Z0-9]+(?:[._-][a-zA-Z0-9]+)*")
OCI_PATH_MESSAGE: Final = ("can only include non-accented letters, digits, '_', '-' and '.'. It must not start with "
                           "'-', '_', or '.', nor end with '-', '_', '.', '.git', or '.atom'.")

#: ``devise_email``: Devise's ``email_regexp``.
EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")

#: ``validates :name, presence: true, length: { maximum: 255 }``.
USER_NAME_MAX_LENGTH: Final = 255

#: ``User#sanitize_name``: tags and lone angle brackets become ``-``.
_NAME_UNSAFE: Final = re.compile(r"<[^<>]*>|[<>]")


def sanitized_user_name(name: str) -> str:
    """The name GitLab stores for ``name``."""
    return _NAME_UNSAFE.sub("-", name)


def user_problems(*, username: str, name: str, email: str) -> list[str]:
    """``User``'s full messages for a new user with these values, in GitLab's order (uniqueness aside)."""
    problems = []
    if not EMAIL.fullmatch(email):  # Devise's validations come first
        problems.append("Email is invalid")
    if username in RESERVED_USERNAMES:  # Rails' exclusion compares exactly
        problems.append(f"Username {username} is a reserved name")
    if len(name) > USER_NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {USER_NAME_MAX_LENGTH} characters)")
    if username.endswith(tuple(f".{extension}" for extension in RESERVED_FILE_EXTENSIONS)):
        problems.append("Username ending with a reserved file extension is not allowed.")
    if username.lower().startswith(RESERVED_USERNAME_PREFIXES):
        problems.append(f"Username cannot start with a reserved prefix ({', '.join(RESERVED_USERNAME_PREFIXES)})")
    # The namespace's path errors, copied onto username (set_username_errors).
    if len(username) > USERNAME_MAX_LENGTH:
        problems.append(f"Username is too long (maximum is {USERNAME_MAX_LENGTH} characters)")
    if not OCI_PATH.fullmatch(username):
        problems.append(f"Username {OCI_PATH_MESSAGE}")
    if not NAMESPACE_PATH.fullmatch(username):
        problems.append(f"Username {NAMESPACE_PATH_MESSAGE}")
    if len(username) < USERNAME_MIN_LENGTH:
        problems.append(f"Username is too short (minimum is {USERNAME_MIN_LENGTH} characters)")
    return problems


#: ``Gitlab::ApplicationRateLimiter`` ``service_account_creation``: creates per user per interval (18.11+).
SERVICE_ACCOUNT_CREATION_LIMIT: Final = 10
SERVICE_ACCOUNT_CREATION_INTERVAL_SECONDS: Final = 60
#: ``API::Helpers::RateLimiter#check_rate_limit!``'s 429 body.
RATE_LIMITED_MESSAGE: Final = "This endpoint has been requested too many times. Try again later."

"""What GitLab accepts as a new user's username, name and email: the service account's inputs.

GitLab makes a service account a user, so ``User``'s validations apply to the
``username``, ``name`` and ``email`` a ``GroupServiceAccount`` declares; a value
they refuse would preview cleanly and fail at ``pulumi up``. These are the
provider's copy of those rules (the sandbox keeps its own, from GitLab's source;
a test compares the two). What needs GitLab's data (a taken username or email,
an instance's email domain restrictions) is not seen here.
"""

from __future__ import annotations

import re
from typing import Final

#: Top-level routes (``Gitlab::PathRegex::TOP_LEVEL_ROUTES``): GitLab answers "<name> is a reserved name".
RESERVED_USERNAMES: Final[frozenset[str]] = frozenset({
    "-", ".well-known", "404.html", "422.html", "500.html", "502.html", "503.html", "abuse_reports", "admin",
    "api", "apple-touch-icon-precomposed.png", "apple-touch-icon.png", "assets", "autocomplete", "ci",
    "dashboard", "deploy.html", "explore", "favicon.ico", "files", "groups", "header_logo_dark.png",
    "header_logo_light.png", "health_check", "help", "import", "invites", "jwt", "koding",
    "notification_settings", "oauth", "profile", "projects", "public", "robots.txt", "s", "search",
    "sent_notifications", "slash-command-logo.png", "snippets", "u", "unsubscribes", "uploads", "users",
})

#: Kept for GitLab's own AI agents (18.11 and later).
RESERVED_USERNAME_PREFIXES: Final[tuple[str, ...]] = ("duo-", "duo_", "ai-", "ai_")

#: File extensions Rails knows (``Mime::EXTENSION_LOOKUP``): a username must not end in ``.<one>``.
RESERVED_FILE_EXTENSIONS: Final[frozenset[str]] = frozenset({
    "aac", "atom", "bmp", "css", "csv", "gif", "gz", "gzip", "html", "ics", "jpe", "jpeg", "jpg", "js", "json",
    "m4a", "m4v", "mp1", "mp2", "mp3", "mp4", "mpe", "mpeg", "mpg", "mpg4", "multipart_form", "oga", "ogg",
    "opus", "otf", "pdf", "pjpeg", "png", "rss", "spx", "svg", "text", "tif", "tiff", "ttf", "txt",
    "url_encoded_form", "vcf", "vtt", "webm", "webp", "woff", "woff2", "xhtml", "xml", "yaml", "yml", "zip",
})

USERNAME_MIN_LENGTH: Final[int] = 2
USERNAME_MAX_LENGTH: Final[int] = 255
#: Letters and digits, with single ``.``, ``_`` or ``-`` between them (the container-registry path rule).
USERNAME_SHAPE: Final = re.compile(r"[a-zA-Z0-9]+(?:[._-][a-zA-Z0-9]+)*")
#: The namespace path rule on top: no ``.git`` or ``.atom`` ending (the shape allows them).
USERNAME_ENDINGS: Final[tuple[str, ...]] = (".git", ".atom")

#: Devise's email shape: one ``@``, something on each side, no whitespace.
EMAIL_SHAPE: Final = re.compile(r"[^@\s]+@[^@\s]+")

USER_NAME_MAX_LENGTH: Final[int] = 255
#: GitLab rewrites these in a name (to ``-``), so the account's name would not be the declared one.
NAME_REWRITTEN: Final[tuple[str, ...]] = ("<", ">")


def username_problems(username: str) -> list[str]:
    """Why GitLab would refuse ``username`` for a new user, each as a clause; empty when it would not."""
    problems = []
    if username in RESERVED_USERNAMES:
        problems.append("is one of GitLab's reserved names (a top-level route such as admin or api)")
    if username.lower().startswith(RESERVED_USERNAME_PREFIXES):
        problems.append(f"starts with a prefix GitLab keeps for its AI agents ({', '.join(RESERVED_USERNAME_PREFIXES)})")
    if "." in username and username.rsplit(".", 1)[1] in RESERVED_FILE_EXTENSIONS:
        problems.append(f"ends in a file extension (.{username.rsplit('.', 1)[1]})")
    if not USERNAME_SHAPE.fullmatch(username) or username.endswith(USERNAME_ENDINGS):
        problems.append("may hold only letters, digits and single '.', '_' or '-' between them, "
                        "and must not end in '.git' or '.atom'")
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        problems.append(f"is {len(username)} characters long; GitLab wants {USERNAME_MIN_LENGTH} to "
                        f"{USERNAME_MAX_LENGTH}")
    return problems


def email_problems(email: str) -> list[str]:
    return [] if EMAIL_SHAPE.fullmatch(email) else ["is not an email address (name@domain, no spaces)"]


def name_problems(name: str) -> list[str]:
    problems = []
    if len(name) > USER_NAME_MAX_LENGTH:
        problems.append(f"is {len(name)} characters long; GitLab allows at most {USER_NAME_MAX_LENGTH}")
    if any(c in name for c in NAME_REWRITTEN):
        problems.append("holds '<' or '>', which GitLab rewrites to '-', so the account would not have this name")
    return problems

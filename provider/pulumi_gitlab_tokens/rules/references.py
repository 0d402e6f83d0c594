"""Project and group references: a positive id or a clean full path, as GitLab's path rules allow.

GitLab's ``:id`` in a route is either a number or the URL-encoded full path.
The rules are GitLab's own (``lib/gitlab/path_regex.rb``): a namespace
segment holds letters, digits, ``_``, ``-`` and ``.``, does not start with
``-`` nor end in ``.``; a project segment may end in ``.``; neither ends in
``.git`` or ``.atom``. Anything else - a query (``acme/app?x=1#y``), a
traversal (``../../admin``), a path already encoded (``acme%2Fapp``), a URL,
a number that is no exact id (``1e300``) - is refused at preview with the reason.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..kinds.base import TokenKind

#: GitLab's ids are PostgreSQL bigints.
MAX_ID = 2**63 - 1
#: Floats (Pulumi sends every number as one) are exact integers only up to 2**53.
MAX_EXACT_FLOAT = 2**53
#: GitLab's limit on one path segment.
MAX_SEGMENT_LENGTH = 255
#: Subgroups nest at most 20 levels; a project adds one segment.
MAX_SEGMENTS = 21

_NAMESPACE_SEGMENT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*[A-Za-z0-9_\-]|[A-Za-z0-9_]")
_PROJECT_SEGMENT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*")
_PATH_CHARACTER = re.compile(r"[A-Za-z0-9_.\-/]")
_FORBIDDEN_ENDINGS = (".git", ".atom")


def parse_reference(kind: TokenKind, value: Any) -> str:
    """``value`` as the id (digits) or full path GitLab is asked about; ``ValueError`` with the reason."""
    hint = f"give the {kind.parent}'s numeric id or full path, like {kind.parent_example!r}"
    if value is None:
        raise ValueError(f"{kind.parent} is required: {hint}")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{kind.parent} must be a string or a number, not {_type_name(value)}: {hint}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{kind.parent} id {value!r} is not a whole number: {hint}")
        if abs(value) > MAX_EXACT_FLOAT:
            raise ValueError(
                f"{kind.parent} id {value!r} is too large to be an exact id (numbers past 2**53 lose digits): {hint}"
            )
        value = int(value)
    if isinstance(value, int):
        return _checked_id(kind, value, hint)
    path = value.strip()
    if not path:
        raise ValueError(f"{kind.parent} is empty: {hint}")
    if path.isascii() and path.isdigit():
        return _checked_id(kind, int(path), hint)
    problem = _path_problem(kind, path)
    if problem:
        raise ValueError(f"{kind.parent} {value!r} is not a GitLab full path: {problem}; {hint}")
    return path


def parse_id(kind: TokenKind, value: Any) -> int:
    """``value`` as a numeric id only (a user's: GitLab's ``:user_id`` is an Integer); ``ValueError`` otherwise."""
    hint = f"give the {kind.parent} as a number, like {kind.parent_example}"
    if value is None:
        raise ValueError(f"{kind.parent} is required: {hint}")
    text = value.strip() if isinstance(value, str) else None
    if text is not None and not (text.isascii() and text.isdigit()):
        raise ValueError(f"{kind.parent} {value!r} is not a number: {hint}")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{kind.parent} must be a number, not {_type_name(value)}: {hint}")
    if isinstance(value, float) and (not value.is_integer() or abs(value) > MAX_EXACT_FLOAT):
        raise ValueError(f"{kind.parent} {value!r} is not an exact whole number: {hint}")
    return int(_checked_id(kind, int(text if text is not None else value), hint))


def _checked_id(kind: TokenKind, number: int, hint: str) -> str:
    if number <= 0:
        raise ValueError(f"{kind.parent} id {number} is not a valid id (ids start at 1): {hint}")
    if number > MAX_ID:
        raise ValueError(f"{kind.parent} id {number} is larger than any GitLab id: {hint}")
    return str(number)


def _path_problem(kind: TokenKind, path: str) -> str | None:
    """Why ``path`` is not a full path GitLab could hold, or ``None``."""
    if "://" in path:
        return "it is a URL; give only the path after the host"
    if "%" in path:
        return "it looks URL-encoded; write it plainly (the provider encodes it)"
    for char in path:
        if not _PATH_CHARACTER.fullmatch(char):
            what = "a query or fragment" if char in "?#&=" else f"{char!r} (U+{ord(char):04X})"
            return f"{what} has no place in a path, which holds only letters, digits, '_', '-', '.' and '/'"
    segments = path.split("/")
    if any(segment == "" for segment in segments):
        return "it has an empty segment (a leading, trailing or double '/')"
    if any(segment in (".", "..") for segment in segments):
        return "'.' and '..' are not path segments; give the full path from the top-level group"
    if len(segments) > MAX_SEGMENTS:
        return f"it has {len(segments)} segments; GitLab nests at most {MAX_SEGMENTS}"
    ends_in_project = kind.home.path_ends_in_project
    if ends_in_project and len(segments) < 2:
        return "a project's full path starts with its group or user, like 'acme/app'"
    namespaces, last = (segments[:-1], segments[-1]) if ends_in_project else (segments, None)
    for segment in segments:
        if len(segment) > MAX_SEGMENT_LENGTH:
            return f"a segment is {len(segment)} characters long; GitLab allows {MAX_SEGMENT_LENGTH}"
        if segment.startswith("-"):
            return f"segment {segment!r} starts with '-'"
        if segment.endswith(_FORBIDDEN_ENDINGS):
            return f"segment {segment!r} ends in '.git' or '.atom'"
    for segment in namespaces:
        if not _NAMESPACE_SEGMENT.fullmatch(segment):
            return f"group segment {segment!r} ends in '.'"
    if last is not None and not _PROJECT_SEGMENT.fullmatch(last):
        return f"project segment {last!r} is not a valid project path"
    return None


def _type_name(value: Any) -> str:
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"

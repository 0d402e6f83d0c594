"""GitLab's ``fuzzy_search`` on one column (``lib/gitlab/sql/pattern.rb``).

The query is squished and split into words, a ``"quoted phrase"`` counting as
one word. Every word of at least three characters must appear in the column
(``ILIKE %word%``, all of them). If no word is that long, the whole query
must equal the column, ignoring case. LIKE wildcards in the query are literal.
"""

from __future__ import annotations

import re

#: ``MIN_CHARS_FOR_PARTIAL_MATCHING``: shorter words are not matched as substrings.
MIN_CHARS_FOR_PARTIAL_MATCHING = 3

# Ruby's /(?<=\A| )"[^"]+"(?= |\z)/; Python needs the two look-behinds spelled apart.
_QUOTED_TERM = re.compile(r'(?:^|(?<= ))"[^"]+"(?= |$)')


def search_terms(query: str) -> list[str]:
    """``split_query_to_search_terms``: bare words first, then the quoted phrases (quotes removed)."""
    quoted: list[str] = []

    def take(match: re.Match[str]) -> str:
        quoted.append(match.group(0)[1:-1])
        return ""

    rest = _QUOTED_TERM.sub(take, query)
    return rest.split() + quoted


def _like_literal(text: str) -> str:
    """``sanitize_sql_like``: make ``%``, ``_`` and the escape character literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fuzzy_where(column: str, query: str) -> tuple[str, list[str]] | None:
    """SQL condition and arguments for ``query`` on ``column``; ``None`` when the query is blank.

    SQLite's ``LIKE`` ignores case for ASCII letters only; PostgreSQL's
    ``ILIKE`` ignores it for every letter.
    """
    squished = " ".join(query.split())
    if not squished:
        return None
    words = [word for word in search_terms(squished) if len(word) >= MIN_CHARS_FOR_PARTIAL_MATCHING]
    if not words:
        return f"{column} LIKE ? ESCAPE '\\'", [_like_literal(squished)]
    condition = " AND ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in words)
    return f"({condition})", [f"%{_like_literal(word)}%" for word in words]

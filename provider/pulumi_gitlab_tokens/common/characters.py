"""Characters a token's name or description may not hold.

Control characters (NUL, newlines, escapes), line and paragraph separators,
lone surrogates and bidirectional formatting characters are refused at
preview. GitLab stores most of them, but they make a name say something other
than what it shows: a right-to-left override reorders the text around it in
GitLab's UI (the "Trojan Source" trick), a newline forges a second line in a
log, a NUL truncates it in C tools. Ordinary Unicode - accents, scripts,
emoji with their zero-width joiners - is kept.
"""

from __future__ import annotations

import unicodedata

#: Unicode's explicit bidirectional formatting characters (UAX #9).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_CONTROL_NAMES = {
    "\0": "NUL", "\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE", "\x7f": "DELETE",
}


def unsafe_character(text: str) -> str | None:
    """The first refused character of ``text``, described with its position, or ``None``."""
    for position, char in enumerate(text):
        if _refused(char):
            return f"{describe(char)} at position {position}"
    return None


def describe(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: a character named so a reader can find it."""
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    if not name:
        name = "a lone surrogate" if unicodedata.category(char) == "Cs" else "a control character"
    return f"U+{ord(char):04X} ({name})"


def escape_unsafe(text: str) -> str:
    """``text`` with every refused character written as an escape (``\\n``, ``\\u202e``): safe to print."""
    if unsafe_character(text) is None:
        return text
    return "".join(repr(char)[1:-1] if _refused(char) else char for char in text)


def _refused(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES


def refuse_unsafe(field: str, text: str) -> None:
    """``ValueError`` naming ``field`` and the character when ``text`` holds a refused one."""
    found = unsafe_character(text)
    if found:
        raise ValueError(
            f"{field} contains {found}; control, line-separator and bidirectional formatting characters "
            f"are refused because they can disguise what the {field} says in GitLab and in logs: remove it"
        )

"""Keeping secrets out of every message: scrub by value and by shape, and only then cut.

The credential and every token value this process minted or was handed are registered
(:func:`register_secret`); :func:`scrub` hides them in every form they are likely to be quoted in,
any long enough run of those forms, and anything shaped like a GitLab token. A cut can split a
secret into pieces no rule recognises, so :func:`shorten` scrubs first and cuts after.
docs/secrets.md lists the forms.
"""

from __future__ import annotations

import array
import base64
import bisect
import html
import json
import re
import threading
import urllib.parse
from typing import Iterable

from . import catalogue

#: Forms shorter than this are not scrubbed: they would mangle ordinary words.
MIN_SECRET_LENGTH = 8
#: A run this long of a registered secret's form is removed wherever it appears.
FRAGMENT_LENGTH = 12
#: Forms longer than this are indexed every few characters (see above), at most
#: :data:`MAX_WINDOWS_PER_FORM` windows each.
LONG_FORM = 4096
MAX_WINDOWS_PER_FORM = 65536
REDACTED = "[REDACTED]"

# One of GitLab's real prefixes plus a routable or legacy body. Only the real
# prefixes: a generic ``gl...-`` pattern would also hide ordinary names such as
# ``global-infrastructure``, making messages about them unreadable.
_TOKEN_PATTERN = re.compile(
    "(?:" + "|".join(re.escape(p) for p in catalogue.TOKEN_PREFIXES) + r")[A-Za-z0-9_.\-]{8,}"
)
_REPEATED = re.compile("(?:" + re.escape(REDACTED) + "){2,}")
# ASCII-only lower-casing keeps every index in place (``str.lower`` may not).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Registry:
    """Windows (lower-cased runs) of every registered secret's forms, kept as 64-bit hashes.

    Updated in place under the lock, and read under it too: registering is
    linear in the new secret only, however many tokens a refresh has seen.

    A provider holding thousands of tokens registers about a hundred windows
    for each, so they are kept compactly: a window's ``hash``, 8 bytes in a
    sorted array, instead of a short string in a set (about 150 bytes each:
    35 MiB of the provider's memory at 2,000 tokens). New hashes wait in a
    small set and are merged into the array once that set reaches a quarter
    of it, so merging costs little per secret. Two different runs sharing a
    hash would only hide more text than needed, never less.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: set[str] = set()
        #: The window lengths in use: FRAGMENT_LENGTH, and the lengths of shorter forms.
        self.widths: set[int] = set()
        #: Windows of long forms, indexed every ``stride`` characters: by the margin a find of one
        #: hides on each side (``stride - 1``).
        self.sparse: dict[int, set[int]] = {}
        self._merged = array.array("Q")
        self._pending: set[int] = set()
        #: Values added but not yet hashed (see :meth:`add`).
        self._unindexed: list[str] = []

    def add(self, value: str) -> None:
        """Remember ``value``; its windows are hashed at the next scrub, not now.

        Every refresh, diff and delete hands the provider a token value, and a
        run without a single error never scrubs: indexing only when a scrub
        needs it keeps that cost off every operation.
        """
        with self.lock:
            if value not in self.values:
                self.values.add(value)
                self._unindexed.append(value)

    def index_pending(self) -> None:
        """Hash the windows of every value added since the last scrub; call it holding the lock."""
        for value in self._unindexed:
            for form in escaped_forms(value):
                width = min(FRAGMENT_LENGTH, len(form))
                lowered = form.translate(_ASCII_LOWER)
                self.widths.add(width)
                if len(form) > LONG_FORM:
                    stride = max(FRAGMENT_LENGTH, -(-len(form) // MAX_WINDOWS_PER_FORM))
                    self.sparse.setdefault(stride - 1, set()).update(
                        _key(lowered[i:i + width]) for i in range(0, len(lowered) - width + 1, stride))
                    continue
                self._pending.update(_key(lowered[i:i + width]) for i in range(len(lowered) - width + 1))
            if len(self._pending) >= max(_MIN_MERGE, len(self._merged) // 4):
                merged = self._merged.tolist()
                merged.extend(self._pending)
                merged.sort()
                self._merged = array.array("Q", merged)
                self._pending.clear()
        self._unindexed.clear()

    def __contains__(self, window: str) -> bool:
        """Whether ``window`` (lower-cased) is a registered run; call it holding the lock."""
        return self.margin_of(window) is not None

    def margin_of(self, window: str) -> int | None:
        """``None`` unless ``window`` (lower-cased) is a registered run; else the characters to hide
        around it (0 but for a long form's window); call it holding the lock."""
        key = _key(window)
        if key in self._pending:
            return 0
        index = bisect.bisect_left(self._merged, key)
        if index < len(self._merged) and self._merged[index] == key:
            return 0
        return next((margin for margin, keys in self.sparse.items() if key in keys), None)


#: Hashes wait in a set until there are this many at least (a few dozen secrets' worth).
_MIN_MERGE = 4096


def _key(window: str) -> int:
    """The window's hash as an unsigned 64-bit number (Python's is signed)."""
    return hash(window) & 0xFFFF_FFFF_FFFF_FFFF


_registry = _Registry()


def escaped_forms(value: str) -> set[str]:
    """The forms of ``value`` a message may quote it in (those at least :data:`MIN_SECRET_LENGTH` long)."""
    forms = {value, value.strip()}
    for text in list(forms):
        encoded = text.encode("utf-8", "backslashreplace")
        forms.update({
            repr(text)[1:-1],
            repr(encoded)[2:-1],
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            json.dumps(text)[1:-1].replace("/", "\\/"),
            html.escape(text),
            urllib.parse.quote(text, safe=""),
            urllib.parse.quote(text),
            urllib.parse.quote_plus(text),
            urllib.parse.quote(urllib.parse.quote(text, safe=""), safe=""),
            encoded.hex(),
            base64.b64encode(encoded).decode("ascii").rstrip("="),
            base64.urlsafe_b64encode(encoded).decode("ascii").rstrip("="),
        })
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def register_secret(value: object) -> None:
    """Remember a secret value (credential, token) so :func:`scrub` removes it in every form.

    Values are kept only in this process's memory; non-strings and blank values are ignored, and of a
    value shorter than :data:`MIN_SECRET_LENGTH` only its longer forms are hidden.
    """
    if isinstance(value, str) and value.strip():
        _registry.add(value)


def scrub(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """``text`` with registered secrets (any form, any long run of one) and token-shaped strings replaced."""
    for secret in extra_secrets:
        register_secret(secret)
    # Token shapes first: a registered run inside a token would otherwise leave
    # its tail, no longer token-shaped, in plain sight.
    text = _TOKEN_PATTERN.sub(REDACTED, text)
    if text:
        with _registry.lock:
            if _registry.values:
                _registry.index_pending()
                text = _redact_runs(text, _registry)
    return _REPEATED.sub(REDACTED, text)


def _redact_runs(text: str, registry: _Registry) -> str:
    lowered = text.translate(_ASCII_LOWER)
    # A difference array: +1 where a hidden run starts, -1 where it ends.
    delta = [0] * (len(text) + 1)
    found = False
    for width in registry.widths:
        for start in range(len(lowered) - width + 1):
            margin = registry.margin_of(lowered[start:start + width])
            if margin is not None:
                delta[max(start - margin, 0)] += 1
                delta[min(start + width + margin, len(text))] -= 1
                found = True
    if not found:
        return text
    out: list[str] = []
    depth = 0
    for index, char in enumerate(text):
        was_hidden = depth > 0
        depth += delta[index]
        if depth > 0:
            if not was_hidden:
                out.append(REDACTED)
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str) -> str:
    """Collapse whitespace so a message stays on one line."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """``text`` scrubbed, on one line, then cut to ``limit`` characters - in that order."""
    text = one_line(scrub(text))
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"

"""Token values in GitLab's format, and the digests that are all we store.

GitLab's current format is "routable": a prefix (``glpat-``, ``glagent-``...) +
base64url(16 random bytes + payload + payload length) + ``.01.`` + the base36
length of that base64 part (2 chars) + a base36 CRC32 of everything before
(7 chars). The payload names the organization and the owner (a user, a
project), so a token looks exactly like one from gitlab.com. Nothing parses
the payload back; it is cosmetic fidelity.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib
from typing import Mapping

from .rules import TOKEN_PREFIX

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(width, "0")


def routable_value(prefix: str, payload: Mapping[str, int]) -> str:
    """A fresh secret in GitLab's routable format: ``prefix``, then the random part that carries ``payload``."""
    text = "\n".join(sorted(f"{key}:{_base36(value, 1)}" for key, value in payload.items())).encode()
    raw = secrets.token_bytes(16) + text + bytes([len(text)])
    encoded = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    body = f"{prefix}{encoded}.01.{_base36(len(encoded), 2)}"
    return body + _base36(zlib.crc32(body.encode()), 7)


def new_token_value(user_id: int, organization_id: int = 1) -> str:
    """A fresh personal (or resource) access token: its payload names the organization and user."""
    return routable_value(TOKEN_PREFIX, {"o": organization_id, "u": user_id})


def digest(value: str) -> str:
    """What the store keeps instead of the secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_admin_token() -> str:
    """A generated admin token when ``--admin-token`` is not given."""
    return f"{TOKEN_PREFIX}{secrets.token_urlsafe(20)}"

"""Token values in GitLab's format, and the digests that are all we store.

GitLab's current format is "routable": ``glpat-`` + base64url(16 random
bytes + payload + payload length) + ``.01.`` + the base36 length of that
base64 part (2 chars) + a base36 CRC32 of everything before (7 chars). The
payload names the organization and user, so a token looks exactly like one
from gitlab.com. Nothing parses the payload back; it is cosmetic fidelity.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib

from .rules import TOKEN_PREFIX

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(width, "0")


def new_token_value(user_id: int, organization_id: int = 1) -> str:
    """A fresh secret in GitLab's routable PAT format."""
    payload = "\n".join(sorted([f"o:{_base36(organization_id, 1)}", f"u:{_base36(user_id, 1)}"])).encode()
    raw = secrets.token_bytes(16) + payload + bytes([len(payload)])
    encoded = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    body = f"{TOKEN_PREFIX}{encoded}.01.{_base36(len(encoded), 2)}"
    return body + _base36(zlib.crc32(body.encode()), 7)


def digest(value: str) -> str:
    """What the store keeps instead of the secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_admin_token() -> str:
    """A generated admin token when ``--admin-token`` is not given."""
    return f"{TOKEN_PREFIX}{secrets.token_urlsafe(20)}"

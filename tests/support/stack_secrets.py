"""A passphrase stack's secrets as the Pulumi CLI keeps them, read and written by the test harness.

The CLI encrypts each secret with AES-256-GCM under a key it derives from the passphrase and
the stack's salt with a PBKDF2 of a million rounds: ``v1:<nonce>:<ciphertext>``, both base64.
The salt (``encryptionsalt`` in the settings file, the secrets provider's ``salt`` in the state)
is ``v1:<salt>:<"pulumi" encrypted under the key>``. Deriving the key once per salt here, rather
than in every CLI start that shows a secret, is what lets the engine tests read their outputs
and write their config without a CLI start each (tests/engine/test_toolchain.py holds the results
equal to the CLI's).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: How a secret value is marked in the state: this key with this value, beside ``ciphertext``.
SECRET_SIGNATURE = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
PBKDF2_ROUNDS = 1_000_000


@functools.cache
def stack_key(passphrase: str, salt: str) -> bytes:
    """The key of a stack's secrets, from its passphrase and its salt field; checked as the CLI checks it."""
    version, encoded_salt, check = salt.split(":", 2)
    if version != "v1":
        raise ValueError(f"unknown salt version {version!r}")
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), base64.b64decode(encoded_salt), PBKDF2_ROUNDS, 32)
    if decrypt(key, check) != "pulumi":
        raise ValueError("the passphrase does not open this stack's salt")
    return key


def encrypt(key: bytes, plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def decrypt(key: bytes, ciphertext: str) -> str:
    version, nonce, sealed = ciphertext.split(":")
    if version != "v1":
        raise ValueError(f"unknown ciphertext version {version!r}")
    return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None).decode()


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIGNATURE[0]) == SECRET_SIGNATURE[1]


def reveal(value: Any, key: bytes) -> Any:
    """A state value with its secrets decrypted, as ``pulumi stack output --show-secrets`` shows it."""
    if _is_secret(value):
        return reveal(json.loads(decrypt(key, value["ciphertext"])), key)
    if isinstance(value, dict):
        return {name: reveal(item, key) for name, item in value.items()}
    if isinstance(value, list):
        return [reveal(item, key) for item in value]
    return value


def blind(value: Any) -> Any:
    """A state value with each secret replaced by ``[secret]``, as ``pulumi stack output`` shows it."""
    if _is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {name: blind(item) for name, item in value.items()}
    if isinstance(value, list):
        return [blind(item) for item in value]
    return value

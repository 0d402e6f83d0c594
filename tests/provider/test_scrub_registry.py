"""The secret registry stays small and exact when a provider holds thousands of tokens.

``make bench`` measures the provider at 2,000 tokens in one stack; every token
value it mints is registered for scrubbing. Sizes here are counted by
tracemalloc (allocations, not timing), so they do not depend on the machine.
"""

from __future__ import annotations

import secrets
import tracemalloc

from pulumi_gitlab_tokens.common import scrub

TOKENS = 2000


def _tokens(count: int) -> list[str]:
    return [f"glpat-{secrets.token_urlsafe(20)}" for _ in range(count)]


def test_two_thousand_tokens_take_a_few_mebibytes_not_tens() -> None:
    values = _tokens(TOKENS)
    registry = scrub._Registry()
    tracemalloc.start()
    try:
        for value in values:
            registry.add(value)
        with registry.lock:
            registry.index_pending()  # what the first scrub does: every window hashed
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Windows kept as strings in sets took about 35 MiB for these (17.5 KiB a token).
    assert held < 8 * 2**20, f"{held / 2**20:.1f} MiB for {TOKENS} tokens"


def test_every_registered_token_is_still_found_whole_and_in_fragments() -> None:
    values = _tokens(TOKENS)
    for value in values:
        scrub.register_secret(value)
    # The first ones were merged into the sorted array long ago, the last may still wait in the set.
    for value in values[:50] + values[-50:]:
        body = value[6:]
        assert scrub.scrub(f"token {value} leaked") == "token [REDACTED] leaked"
        fragment = body[3:3 + scrub.FRAGMENT_LENGTH]
        assert scrub.scrub(f"cut: {fragment}!") == "cut: [REDACTED]!"
        assert scrub.scrub(f"upper: {fragment.upper()}") == "upper: [REDACTED]"
        assert scrub.scrub(f"short: {body[:scrub.FRAGMENT_LENGTH - 1]}.") == f"short: {body[:scrub.FRAGMENT_LENGTH - 1]}."
    assert scrub.scrub("project acme/app, group platform: nothing secret") == \
        "project acme/app, group platform: nothing secret"


def test_windows_are_hashed_at_the_first_scrub_not_at_registration() -> None:
    # Registration runs on every operation the engine sends (each hands back a token
    # value); hashing a hundred windows each time was most of a refresh's own CPU.
    registry = scrub._Registry()
    value = _tokens(1)[0]
    registry.add(value)
    with registry.lock:
        assert value[6:18].lower() not in registry  # not hashed yet
        registry.index_pending()
        assert value[6:18].lower() in registry
        registry.index_pending()  # nothing new: a no-op
        assert value[6:18].lower() in registry


def test_a_one_mebibyte_value_is_indexed_in_a_few_mebibytes_and_still_found() -> None:
    """A big CI/CD variable value: its forms are indexed every few characters, not at each one (every window of
    every form took 454 MiB). A run of it quoted anywhere is still hidden, with a margin around it."""
    value = secrets.token_hex(512 * 1024)  # 1 MiB of text
    registry = scrub._Registry()
    tracemalloc.start()
    try:
        registry.add(value)
        with registry.lock:
            registry.index_pending()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 48 * 2**20 and peak < 96 * 2**20, f"{held / 2**20:.0f} MiB held, {peak / 2**20:.0f} MiB at peak"
    assert sum(len(keys) for keys in registry.sparse.values()) <= 20 * scrub.MAX_WINDOWS_PER_FORM
    scrub.register_secret(value)
    for start in (0, 12345, len(value) - 300):
        quoted = value[start:start + 200]
        scrubbed = scrub.scrub(f"GitLab said: value {quoted} is invalid")
        assert scrubbed == "GitLab said: value [REDACTED] is invalid" or (
            "[REDACTED]" in scrubbed and not any(quoted[i:i + 20] in scrubbed for i in range(0, 180))), scrubbed
    assert scrub.scrub(f"{value[:300].upper()}") == "[REDACTED]"


def test_a_value_shorter_than_eight_characters_is_hidden_in_its_encoded_forms() -> None:
    """Too short to hide as itself without mangling words; its hex, base64 and escaped forms are long enough."""
    import base64
    import json

    short = "s3cr\u00e9t"  # 6 characters
    scrub.register_secret(short)
    assert scrub.scrub(f"the value {short} stays") == f"the value {short} stays"
    for form in (short.encode().hex(), base64.b64encode(short.encode()).decode().rstrip("="),
                 json.dumps(short)[1:-1], urllib_quote(short)):
        assert len(form) >= scrub.MIN_SECRET_LENGTH
        assert scrub.scrub(f"echoed: {form}.") == "echoed: [REDACTED].", form


def urllib_quote(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")

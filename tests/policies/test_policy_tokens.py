"""The shared accessor: one spelling in the tests, both on the wire.
"""

from __future__ import annotations

import pytest

from gitlab_token_policies.tokens import UNKNOWN as TOKEN_UNKNOWN
from gitlab_token_policies.tokens import Token, as_int
from policy_harness import UNKNOWN, spelled_for


def test_spelling_helper_matches_pulumi_gitlab() -> None:
    """The camelCase spelling the tests use is the one pulumi-gitlab's SDK sends."""
    props = spelled_for(
        "gitlab:index/projectAccessToken:ProjectAccessToken",
        {"access_level": 1, "expires_at": 2, "rotation_configuration": {"expiration_days": 3, "rotate_before_days": 4}},
    )
    assert props == {"accessLevel": 1, "expiresAt": 2, "rotationConfiguration": {"expirationDays": 3, "rotateBeforeDays": 4}}


@pytest.mark.parametrize(
    "value, number",
    [(30, 30), (30.0, 30), ("30", 30), (" 30 ", 30), (30.5, None), (True, None), ("²", None), ("-1", None), (None, None)],
)
def test_whole_numbers_from_what_the_engine_and_users_send(value, number) -> None:
    assert as_int(value) == number


def test_both_spellings_and_unknowns_read_alike() -> None:
    ours = Token("t", "r", {"rotation_configuration": {"expiration_days": 30}})
    theirs = Token("t", "r", {"rotationConfiguration": {"expirationDays": 30}})
    for token in (ours, theirs):
        assert token.read("rotation_configuration", "expiration_days") == 30
    assert Token("t", "r", {"expires_at": UNKNOWN}).read("expires_at") is TOKEN_UNKNOWN
    assert Token("t", "r", {}).read("expires_at") is None

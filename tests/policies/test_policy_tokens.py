"""The shared accessor: one spelling in the tests, both on the wire.
"""

from __future__ import annotations

from policy_harness import spelled_for


def test_spelling_helper_matches_pulumi_gitlab() -> None:
    """The camelCase spelling the tests use is the one pulumi-gitlab's SDK sends."""
    props = spelled_for(
        "gitlab:index/projectAccessToken:ProjectAccessToken",
        {"access_level": 1, "expires_at": 2, "rotation_configuration": {"expiration_days": 3, "rotate_before_days": 4}},
    )
    assert props == {"accessLevel": 1, "expiresAt": 2, "rotationConfiguration": {"expirationDays": 3, "rotateBeforeDays": 4}}

"""The ownership mark and the matcher recovery relies on: only this stack's and resource's tokens match."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pulumi_gitlab_tokens import catalogue, ownership

OURS = ownership.owner_digest("org/app/dev", "pulumi-python:dynamic/gitlab:ProjectAccessToken::deploy")
OTHER_STACK = ownership.owner_digest("org/app/prod", "pulumi-python:dynamic/gitlab:ProjectAccessToken::deploy")
OTHER_RESOURCE = ownership.owner_digest("org/app/dev", "pulumi-python:dynamic/gitlab:ProjectAccessToken::deploy-2")


def token(description: str | None, **fields) -> dict:
    return {"id": 7, "user_id": 70, "name": "deploy", "revoked": False, "active": True,
            "description": description, **fields}


def test_owners_differ_by_stack_and_by_resource():
    assert len({OURS, OTHER_STACK, OTHER_RESOURCE}) == 3


def test_a_marked_description_fits_gitlabs_limit_and_reads_back():
    mark = ownership.new_mark(OURS)
    longest = "d" * ownership.USER_DESCRIPTION_MAX_LENGTH
    sent = ownership.marked(longest, mark)
    assert len(sent) == catalogue.DESCRIPTION_MAX_LENGTH
    assert ownership.parse(sent) == (longest, mark)
    assert ownership.parse(ownership.marked(None, mark)) == (None, mark)


@given(st.one_of(st.none(), st.text(max_size=ownership.USER_DESCRIPTION_MAX_LENGTH)))
def test_the_users_description_always_reads_back_exactly(description):
    mark = ownership.new_mark(OURS)
    assert ownership.parse(ownership.marked(description, mark)) == (description or None, mark)


def test_each_attempt_gets_its_own_mark():
    assert len({ownership.new_mark(OURS).attempt for _ in range(50)}) == 50


def test_only_this_owners_live_marked_tokens_match():
    mine = ownership.new_mark(OURS)
    assert ownership.owned_by(token(ownership.marked("ci", mine)), OURS)
    assert ownership.made_by(token(ownership.marked("ci", mine)), mine)
    assert not ownership.made_by(token(ownership.marked("ci", ownership.new_mark(OURS))), mine), "another attempt"
    assert not ownership.owned_by(token(ownership.marked("ci", mine), revoked=True), OURS)
    assert not ownership.owned_by(token(ownership.marked("ci", mine), active=False), OURS)


def test_foreign_unmarked_and_lookalike_tokens_never_match():
    never = [
        token(ownership.marked("ci", ownership.new_mark(OTHER_STACK))),      # another stack
        token(ownership.marked("ci", ownership.new_mark(OTHER_RESOURCE))),   # another resource of this stack
        token(None),                                                         # made by an older version
        token("ci"),
        token(f"[pgt:{OURS}.1234abcd] then more words"),                     # a mark not at the end
        token(f"note: [pgt:{OURS.upper()}.1234ABCD]"),                       # upper-case digits
        token(f"[pgt:{OURS}.1234abc]"),                                      # a digit short
        token(f"x[pgt:{OURS}.1234abcd]"),                                    # not separated
        token(f"[pulumi:{OURS}.1234abcd]"),                                  # another prefix
    ]
    for candidate in never:
        assert not ownership.owned_by(candidate, OURS), candidate["description"]


def test_a_users_own_lookalike_stays_part_of_their_description():
    written = f"copied [pgt:{OTHER_STACK}.1234abcd]"
    mark = ownership.new_mark(OURS)
    assert ownership.parse(ownership.marked(written, mark)) == (written, mark)
    assert ownership.owned_by(token(ownership.marked(written, mark)), OURS)


def test_held_tokens_are_per_gitlab():
    ownership.forget_held()
    ownership.hold("https://a.example", 5)
    assert ownership.is_held("https://a.example", 5.0)
    assert not ownership.is_held("https://b.example", 5)
    assert not ownership.is_held("https://a.example", None)
    ownership.forget_held()
    assert not ownership.is_held("https://a.example", 5)

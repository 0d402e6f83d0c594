"""The ownership mark and the matcher recovery relies on: only this deployment's and resource's tokens
match, only marks made with the stack's key verify, and a copied or older mark is not awaited."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.common.errors import CredentialMissingError, GitLabTokenError
from pulumi_gitlab_tokens.rules import ownership

RESOURCE = "pulumi-python:dynamic/gitlab:ProjectAccessToken::deploy"
LOCAL = "file:///home/dev/state"
CI = "postgres://db.example:5432/pulumi?sslmode=require"
KEY = ownership.signing_key(None, "glpat-the-stacks-credential")


def owner(backend: str = LOCAL, stack: str = "organization/app/prod", resource: str = RESOURCE,
          key: bytes = KEY, generation: int = 3) -> ownership.Owner:
    return ownership.Owner(ownership.owner_identity(backend, stack, resource), key, generation,
                           ownership.owner_digest(stack, resource))


OURS = owner()


def token(description: str | None, name: str = "deploy", **fields) -> dict:
    return {"id": 7, "user_id": 70, "name": name, "revoked": False, "active": True,
            "description": description, **fields}


def test_the_tag_is_an_hmac_of_owner_generation_attempt_and_name_under_the_key():
    import hashlib
    import hmac

    expected = hmac.new(KEY, json.dumps([OURS.identity, 3, 2, "deploy"], separators=(",", ":")).encode(),
                        hashlib.sha256).hexdigest()[:16]
    assert OURS.mark(2, "deploy") == ownership.Mark(3, expected)
    assert OURS.mark(2, "deploy").text() == f"[pgt2:3.{expected}]"


def test_the_key_is_never_the_secret_and_depends_on_which_secret():
    from_credential = ownership.signing_key(None, "glpat-the-stacks-credential")
    assert b"glpat" not in from_credential and len(from_credential) == 32
    assert ownership.signing_key("a configured key of some length", "glpat-the-stacks-credential") != from_credential
    assert ownership.signing_key(None, "glpat-another-credential") != from_credential
    with pytest.raises(CredentialMissingError, match="pulumi config set --secret gitlab:token"):
        ownership.signing_key(None, None)


def test_a_short_configured_key_is_refused_naming_the_setting_without_showing_it():
    with pytest.raises(GitLabTokenError) as refused:
        gitlab_client.settings_from_config(
            {"gitlab-tokens:ownershipKey": "hunter2-hunter"}.get, environ={})
    assert "gitlab-tokens:ownershipKey" in refused.value.message and "16" in refused.value.message
    assert "hunter2" not in refused.value.message
    settings = gitlab_client.settings_from_config({"gitlab-tokens:ownershipKey": "k" * 16}.get, environ={})
    assert settings.ownership_key == "k" * 16 and "k" * 16 not in repr(settings)


def test_owners_differ_by_backend_stack_resource_and_key():
    marks = {
        owner().mark(0, "deploy"),
        owner(backend=CI).mark(0, "deploy"),
        owner(stack="organization/app/dev").mark(0, "deploy"),
        owner(resource=RESOURCE + "-2").mark(0, "deploy"),
        owner(key=ownership.signing_key(None, "glpat-another-credential")).mark(0, "deploy"),
    }
    assert len(marks) == 5


def test_a_marked_description_fits_gitlabs_limit_and_reads_back():
    mark = owner(generation=ownership.MAX_GENERATION).mark(ownership.ATTEMPTS - 1, "deploy")
    longest = "d" * ownership.USER_DESCRIPTION_MAX_LENGTH
    sent = ownership.marked(longest, mark)
    assert len(sent) == catalogue.DESCRIPTION_MAX_LENGTH
    assert ownership.parse(sent) == (longest, mark)
    assert ownership.parse(ownership.marked(None, mark)) == (None, mark)
    assert ownership.USER_DESCRIPTION_MAX_LENGTH == 223, "the documented room for the user's description"


@given(st.one_of(st.none(), st.text(max_size=ownership.USER_DESCRIPTION_MAX_LENGTH)))
def test_the_users_description_always_reads_back_exactly(description):
    mark = OURS.mark(0, "deploy")
    assert ownership.parse(ownership.marked(description, mark)) == (description or None, mark)


def test_each_attempt_of_a_generation_has_its_own_mark_and_reruns_make_the_same_ones():
    assert len(set(OURS.attempt_marks("deploy"))) == ownership.ATTEMPTS
    assert OURS.attempt_marks("deploy") == owner().attempt_marks("deploy"), "deterministic: a rerun waits for them"
    assert not set(OURS.attempt_marks("deploy")) & set(owner(generation=4).attempt_marks("deploy"))


def test_only_this_generations_live_marks_for_the_tokens_own_name_are_awaited():
    mine = OURS.mark(1, "deploy")
    assert OURS.awaited(token(ownership.marked("ci", mine)))
    assert ownership.made_by(token(ownership.marked("ci", mine)), mine)
    assert not OURS.awaited(token(ownership.marked("ci", mine), revoked=True))
    assert not OURS.awaited(token(ownership.marked("ci", mine), active=False))
    assert not OURS.awaited(token(ownership.marked("ci", mine), name="deploy-copy")), "copied to another name"
    assert OURS.awaited({"id": 9, "key": "deploy", "description": ownership.marked("ci", mine)}, "deploy"), "a key"
    older = owner(generation=2).mark(1, "deploy")
    assert not OURS.awaited(token(ownership.marked("ci", older))), "copied from an older generation"
    assert OURS.minted(older, "deploy") and not OURS.minted(older, "other"), "still this owner's, for its name"
    forged_generation = ownership.Mark(3, older.tag)
    assert not OURS.awaited(token(ownership.marked("ci", forged_generation))), "the generation is under the tag"


def test_foreign_unkeyed_legacy_and_lookalike_tokens_never_match():
    legacy_digest = ownership.owner_digest("organization/app/prod", RESOURCE)
    tag = OURS.mark(0, "deploy").tag
    never = [
        token(ownership.marked("ci", owner(backend=CI).mark(0, "deploy"))),          # same names, other backend
        token(ownership.marked("ci", owner(stack="organization/app/dev").mark(0, "deploy"))),
        token(ownership.marked("ci", owner(resource=RESOURCE + "-2").mark(0, "deploy"))),
        token(ownership.marked("ci", owner(key=b"k" * 32).mark(0, "deploy"))),       # made without the key
        token(f"[pgt:{legacy_digest}.1234abcd]"),                                     # today's format: proves nothing
        token(None),
        token("ci"),
        token(f"[pgt2:3.{tag}] then more words"),                                    # a mark not at the end
        token(f"note: [pgt2:3.{tag.upper()}]"),                                      # upper-case digits
        token(f"[pgt2:3.{tag[:-1]}]"),                                               # a digit short
        token(f"x[pgt2:3.{tag}]"),                                                   # not separated
        token(f"[pgt2:03.{tag}]"),                                                   # a leading zero
    ]
    for candidate in never:
        assert not OURS.awaited(candidate), candidate["description"]


def test_a_first_format_mark_is_read_and_claimed_but_never_minted():
    legacy_digest = ownership.owner_digest("organization/app/prod", RESOURCE)
    user_part, mark = ownership.parse(f"engine test [pgt:{legacy_digest}.1234abcd]")
    assert user_part == "engine test" and mark == ownership.LegacyMark(legacy_digest, "1234abcd")
    assert OURS.claims(mark, "deploy"), "a refusal (adoption) still knows the stack's own old marks"
    assert not OURS.minted(mark, "deploy"), "recovery never acts on one"
    other = ownership.LegacyMark(ownership.owner_digest("organization/app/dev", RESOURCE), "1234abcd")
    assert not OURS.claims(other, "deploy")


def test_a_users_own_lookalike_stays_part_of_their_description():
    written = f"copied [pgt2:3.{OURS.mark(0, 'deploy').tag}]"
    mark = OURS.mark(0, "deploy")
    assert ownership.parse(ownership.marked(written, mark)) == (written, mark)
    assert OURS.awaited(token(ownership.marked(written, mark)))


def test_the_generation_follows_the_stored_inputs():
    assert ownership.next_generation({}) == ownership.next_generation(None) == 1
    assert ownership.next_generation({ownership.GENERATION_KEY: 4}) == 5
    assert ownership.next_generation({ownership.GENERATION_KEY: 4.0}) == 5, "the engine's numbers are floats"
    assert ownership.next_generation({ownership.GENERATION_KEY: "4"}) == 1
    assert ownership.next_generation({ownership.GENERATION_KEY: ownership.MAX_GENERATION}) == ownership.MAX_GENERATION


@pytest.mark.parametrize(("url", "identity"), [
    ("postgres://deployer:s3cret@DB.example:5432/pulumi?sslmode=require&password=x",
     "postgres://db.example:5432/pulumi?sslmode=require"),
    ("s3://state-bucket/prod/?region=eu-west-1&endpoint=minio.example:9000&secretKey=x&awssdk=v2",
     "s3://state-bucket/prod?awssdk=v2&endpoint=minio.example%3A9000&region=eu-west-1"),
    ("https://api.pulumi.com/", "https://api.pulumi.com"),
    ("file://./state/", "file:///work/project/state"),
    ("file:///var/pulumi/../state", "file:///var/state"),
    ("gs://bucket", "gs://bucket"),
])
def test_backend_urls_are_normalised_without_credentials(url, identity):
    assert ownership.normalise_backend(url, "/work/project") == identity


def test_the_backend_is_resolved_as_the_cli_resolves_it(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / "credentials.json").write_text(json.dumps({"current": "s3://logged-in-bucket", "accessTokens": {}}))
    env = {"PULUMI_HOME": str(home)}
    assert ownership.backend_identity(env, project) == "s3://logged-in-bucket", "the current login"
    (project / "Pulumi.yaml").write_text("name: app\nruntime: python\nbackend:\n  url: file://~/states\n")
    assert ownership.backend_identity(env, project) == f"file://{ownership.os.path.expanduser('~')}/states"
    env["PULUMI_BACKEND_URL"] = "postgres://u:p@db/pulumi"
    assert ownership.backend_identity(env, project) == "postgres://db/pulumi", "the variable wins"
    assert ownership.backend_identity({"PULUMI_HOME": str(tmp_path / "none")}, tmp_path) == ownership.DEFAULT_BACKEND


def test_held_tokens_are_per_gitlab():
    ownership.forget_held()
    ownership.hold("https://a.example", 5)
    assert ownership.is_held("https://a.example", 5.0)
    assert not ownership.is_held("https://b.example", 5)
    assert not ownership.is_held("https://a.example", None)
    ownership.forget_held()
    assert not ownership.is_held("https://a.example", 5)

"""Preview refuses what GitLab would choke on or what looks like an attack, per field, with the reason.

References to a project or group must be a positive id or a clean full path
(GitLab's ``path_regex.rb`` rules); names and descriptions may not hold
control, line-separator or bidirectional formatting characters. A
property-based test drives the provider's own ``check`` with adversarial
strings and numbers for every input.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from google.protobuf import struct_pb2
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pulumi_gitlab_tokens.common.characters import unsafe_character
from pulumi_gitlab_tokens.kinds import GROUP, PROJECT
from pulumi_gitlab_tokens.lifecycle.provider import GroupAccessTokenProvider, ProjectAccessTokenProvider
from pulumi_gitlab_tokens.rules import references
from pulumi_gitlab_tokens.rules.inputs import check_inputs, is_unknown

TODAY = dt.date(2026, 3, 1)
BASE = {"name": "deploy", "scopes": ["read_api"], "expires_at": "2026-04-01"}


def failures(kind=PROJECT, **news) -> dict[str, str]:
    _, found = check_inputs(kind, {}, {kind.parent: "acme/app", **BASE, **news}, TODAY)
    return {f.property: f.reason for f in found}


def checked(kind=PROJECT, **news) -> dict:
    inputs, found = check_inputs(kind, {}, {kind.parent: "acme/app", **BASE, **news}, TODAY)
    assert found == [], found
    return inputs


@pytest.mark.parametrize("reference,reason", [
    ("acme/app?x=1#y", "a query or fragment has no place in a path"),
    ("../../admin", "'.' and '..' are not path segments"),
    ("acme/../admin", "'.' and '..' are not path segments"),
    ("acme%2Fapp", "looks URL-encoded"),
    (1e300, "too large to be an exact id"),
    ("1e300", "a project's full path starts with its group or user"),
    ("https://gitlab.com/acme/app", "it is a URL"),
    ("acme//app", "empty segment"),
    ("/acme/app", "empty segment"),
    ("acme/app/", "empty segment"),
    ("-acme/app", "starts with '-'"),
    ("acme./app", "group segment 'acme.' ends in '.'"),
    ("acme/app.git", "ends in '.git' or '.atom'"),
    ("acme/ap p", "' ' (U+0020) has no place"),
    ("acme/app\x00", "'\\x00' (U+0000) has no place"),
    ("ａcme/app", "(U+FF41) has no place"),
    ("acme\\app", "(U+005C) has no place"),
    ("app", "a project's full path starts with its group or user"),
    ("/".join(["g"] * 22), "GitLab nests at most 21"),
    ("acme/" + "a" * 256, "GitLab allows 255"),
    (0, "ids start at 1"),
    (-3, "ids start at 1"),
    ("0", "ids start at 1"),
    (2**63, "larger than any GitLab id"),
    (1.5, "not a whole number"),
    (math.nan, "not a whole number"),
    (math.inf, "not a whole number"),
    (True, "must be a string or a number, not a bool"),
    (["acme/app"], "must be a string or a number, not a list"),
])
def test_bad_project_references_are_refused_with_the_reason(reference, reason):
    found = failures(project=reference)
    assert set(found) == {"project"}, found
    assert reason in found["project"], found["project"]
    assert "give the project's numeric id or full path" in found["project"]


@pytest.mark.parametrize("reference,normalised", [
    ("acme/app", "acme/app"),
    ("  acme/app ", "acme/app"),
    ("acme/sub.group_1/my-app.", "acme/sub.group_1/my-app."),
    ("Acme/App", "Acme/App"),
    (54, "54"),
    (54.0, "54"),
    ("54", "54"),
    ("007", "7"),
    (2**53, str(2**53)),
])
def test_good_project_references_pass(reference, normalised):
    assert checked(project=reference)["project"] == normalised


def test_group_references_follow_the_namespace_rules():
    assert checked(GROUP, group="acme")["group"] == "acme"
    assert checked(GROUP, group="1e300")["group"] == "1e300"  # a valid group path; only the number is refused
    assert "too large" in failures(GROUP, group=1e300)["group"]
    assert "group segment 'platform.' ends in '.'" in failures(GROUP, group="acme/platform.")["group"]


@pytest.mark.parametrize("text,shown", [
    ("deploy\x00bot", "U+0000 (NUL) at position 6"),
    ("deploy\nbot", "U+000A (LINE FEED) at position 6"),
    ("deploy\rbot", "U+000D (CARRIAGE RETURN)"),
    ("deploy\tbot", "U+0009 (TAB)"),
    ("\x1b[31mred", "U+001B (ESCAPE) at position 0"),
    ("admin\u202etxt.exe", "U+202E (RIGHT-TO-LEFT OVERRIDE) at position 5"),
    ("a\u2066b", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("a\u200fb", "U+200F (RIGHT-TO-LEFT MARK)"),
    ("a\u2028b", "U+2028 (LINE SEPARATOR)"),
    ("a\x85b", "U+0085"),
    ("a\ud800b", "U+D800 (a lone surrogate)"),
])
@pytest.mark.parametrize("field", ["name", "description"])
def test_control_and_bidi_characters_are_refused_in_names_and_descriptions(field, text, shown):
    found = failures(**{field: text})
    assert set(found) == {field}, found
    assert f"{field} contains {shown}" in found[field]
    assert found[field].isprintable() or "\\" in repr(found[field])


def test_failures_quote_odd_keys_and_values_escaped():
    found = failures(**{"bad\nkey\u202e": 1, "scopes": ["api\x1b[2K"], "expires_at": None,
                        "rotation_configuration": {"x\ry": 1, "expiration_days": 30, "rotate_before_days": 7}})
    assert found == {
        "bad\\nkey\\u202e": found["bad\\nkey\\u202e"],
        "scopes": found["scopes"],
        "rotation_configuration.x\\ry": found["rotation_configuration.x\\ry"],
    }
    assert found["bad\\nkey\\u202e"].startswith("bad\\nkey\\u202e is not an input of ProjectAccessToken")
    assert "unknown scope 'api\\x1b[2K'" in found["scopes"]
    assert all(unsafe_character(reason) is None for reason in found.values())


@pytest.mark.parametrize("text", ["Café déploiement", "🚀 deploy 👨‍👩‍👧", "部署トークン", "a-b_c.d (prod) #1"])
def test_ordinary_unicode_is_kept(text):
    assert checked(name=text, description=text)["name"] == text


# --- property-based: adversarial values for every input ------------------------------------

#: Strings built from what breaks parsers, paths, logs and terminals.
NASTY_CHARACTERS = st.sampled_from(
    list("/\\.%?#&=:@ -_~+") + ["\x00", "\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200f",
                                "\u2028", "\ufeff", "\ud800", "\udfff", "ａ", "é", "🚀", "\u200d", "..", "%2F",
                                "glpat-", "1e300", "0x1F", "NaN"]
)
nasty_text = st.lists(NASTY_CHARACTERS | st.characters(), max_size=30).map("".join) | st.text(max_size=40)
nasty_numbers = (st.integers() | st.floats(allow_nan=True, allow_infinity=True)
                 | st.sampled_from([0, -1, 2**53, 2**53 + 1, 2**63, 2**63 - 1, 1e300, -0.0, 5e-324]))
nasty_scalars = nasty_text | nasty_numbers | st.booleans() | st.none()
nasty_values = nasty_scalars | st.lists(nasty_scalars, max_size=4) | st.dictionaries(
    st.sampled_from(["expiration_days", "rotate_before_days", "expirationDays"]) | nasty_text, nasty_scalars,
    max_size=3)
INPUT_KEYS = ["project", "group", "name", "scopes", "access_level", "description", "expires_at",
              "rotation_configuration", "validate_past_expiration_date"]


def assert_serialisable(value) -> None:
    """What check returns goes to the engine as a protobuf Struct: it must encode (no lone surrogates)."""
    plain = {"value": value if not is_unknown(value) else None}
    struct_pb2.Struct().update(plain)


#: Full paths as GitLab's rules build them, with the near misses those rules refuse (a segment ending in
#: '.', starting with '-', ending in '.git', '..', an empty one, one too long) and stray whitespace around.
path_segments = st.text(st.sampled_from("acmeAPP019_.-"), min_size=1, max_size=10) | st.sampled_from(
    ["acme", "app", "sub.group_1", "my-app.", "_x", "..", ".", "x.git", "y.atom", "-lead", "", "a" * 256])
path_like = st.builds(lambda pad, segments: pad + "/".join(segments) + pad, st.sampled_from(["", "", " ", "\t"]),
                      st.lists(path_segments, min_size=1, max_size=4))
#: A path with one character from NASTY_CHARACTERS put somewhere in it.
near_paths = st.builds(lambda path, char, at: path[:at] + char + path[at:], path_like, NASTY_CHARACTERS,
                       st.integers(0, 40))
#: Paths GitLab's rules allow: two to four segments of its characters, not ending in '.'.
clean_paths = st.lists(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,8}[A-Za-z0-9_\-]", fullmatch=True),
                       min_size=2, max_size=4).map("/".join)
#: A clean path with a '.' or '..' segment put in somewhere: a traversal.
traversals = st.builds(lambda path, dots, at: "/".join(path.split("/")[:at] + [dots] + path.split("/")[at:]),
                       clean_paths, st.sampled_from([".", ".."]), st.integers(0, 4))
ids = st.integers(1, references.MAX_ID) | st.integers(1, 2**53).map(float) | st.integers(1, 10**6).map(str)
references_to_try = st.one_of(clean_paths, path_like, near_paths, traversals, ids, nasty_text, nasty_numbers)


def by_branch(outcomes: dict[str, int], branch: str) -> None:
    """Count an example by the branch it reached (shown with hypothesis' statistics too)."""
    event(branch)
    outcomes[branch] = outcomes.get(branch, 0) + 1


#: Values each input takes that are odd but valid, so a valid token with one or two of them is accepted.
valid_dates = st.dates(dt.date.today() + dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=300))
fair_text = st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=30)
ODD_BUT_VALID = {
    "project": clean_paths | ids,
    "group": clean_paths | ids,
    "name": fair_text,
    "description": fair_text | st.just(""),
    "scopes": st.lists(st.sampled_from(["api", "read_api", "read_repository", "write_repository", "read_registry"]),
                       min_size=1, max_size=3, unique=True),
    "access_level": st.sampled_from(["guest", "reporter", "developer", "maintainer", "owner", 10, 20, 30, 40, 50]),
    "expires_at": valid_dates.map(dt.date.isoformat),
    "rotation_configuration": st.integers(2, 365).flatmap(lambda days: st.fixed_dictionaries(
        {"expiration_days": st.just(days), "rotate_before_days": st.integers(1, days - 1)})),
    "validate_past_expiration_date": st.booleans(),
}


def valid_token_with(values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """A valid token's inputs with one or two replaced by what ``values(key)`` draws."""
    replaced = st.lists(st.sampled_from(INPUT_KEYS).flatmap(lambda key: st.tuples(st.just(key), values(key))),
                        min_size=1, max_size=2)
    return replaced.map(lambda pairs: {"project": "acme/app", "group": "acme", "name": "deploy", "scopes": ["read_api"],
                                       "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7},
                                       **dict(pairs)})


#: Every input adversarial at once (always refused somewhere); a valid token with one or two inputs
#: adversarial (sometimes accepted); or with odd but valid ones (mostly accepted, so that branch is tested).
all_nasty = st.fixed_dictionaries({}, optional={key: nasty_values for key in INPUT_KEYS})
mostly_valid = valid_token_with(lambda key: nasty_values)
odd_but_valid = valid_token_with(lambda key: ODD_BUT_VALID[key])


def test_check_with_adversarial_values_never_raises_and_accepts_only_clean_ones():
    outcomes: dict[str, int] = {}

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(news=all_nasty | mostly_valid | odd_but_valid, extra=st.just({}) | st.dictionaries(nasty_text, nasty_values, max_size=2),
           provider_cls=st.sampled_from([ProjectAccessTokenProvider, GroupAccessTokenProvider]))
    def check(news, extra, provider_cls):
        kind = provider_cls.kind
        other_parent = "group" if kind.parent == "project" else "project"
        news = {k: v for k, v in news.items() if k != other_parent}
        if extra:
            news = {**extra, **news}  # keys no input has, as odd as they come
        result = provider_cls().check({}, news)
        for failure in result.failures:
            assert isinstance(failure.property, str) and failure.reason
            # Printed by the CLI as they are: no forged lines, no reordered text.
            assert unsafe_character(failure.reason) is None and unsafe_character(failure.property) is None
            assert_serialisable(failure.reason)
        if result.failures:
            by_branch(outcomes, "refused")
            return
        by_branch(outcomes, "accepted")
        # Accepted: every value is one GitLab takes, and nothing unsafe got through.
        for key, value in result.inputs.items():
            if not is_unknown(value):
                assert_serialisable(value)
        parent = result.inputs[kind.parent]
        assert parent.isdigit() and 0 < int(parent) <= references.MAX_ID or references._path_problem(kind, parent) is None
        for field in ("name", "description"):
            if isinstance(result.inputs.get(field), str):
                assert unsafe_character(result.inputs[field]) is None

    check()
    assert outcomes.get("accepted", 0) >= 50 and outcomes.get("refused", 0) >= 50, outcomes


def test_every_accepted_reference_is_an_id_or_a_path_gitlab_allows():
    outcomes: dict[str, int] = {}

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(reference=references_to_try)
    def parse(reference):
        try:
            parsed = references.parse_reference(PROJECT, reference)
        except ValueError as err:
            assert "project" in str(err)
            by_branch(outcomes, "refused")
            return
        if parsed.isdigit():
            by_branch(outcomes, "an id")
            assert 0 < int(parsed) <= references.MAX_ID
        else:
            by_branch(outcomes, "a path")
            assert "/" in parsed and ".." not in parsed.split("/") and "%" not in parsed
            assert all(c.isascii() and (c.isalnum() or c in "_-./") for c in parsed)

    parse()
    assert all(outcomes.get(branch, 0) >= 30 for branch in ("refused", "an id", "a path")), outcomes

"""check_inputs: normalisation, one failure per property, the planned date, and never raising."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.common.characters import escape_unsafe
from pulumi_gitlab_tokens.kinds import GROUP, PROJECT
from pulumi_gitlab_tokens.lifecycle.provider import GroupAccessTokenProvider, ProjectAccessTokenProvider
from pulumi_gitlab_tokens.rules.inputs import TokenSpec, check_inputs, input_keys
from pulumi_gitlab_tokens.rules.rotation import RotationConfiguration

TODAY = dt.date(2026, 3, 1)


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def rotating(**overrides):
    news = {
        "project": "acme/app",
        "name": "deploy-bot",
        "scopes": ["read_registry"],
        "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7},
    }
    news.update(overrides)
    return news


def fixed(**overrides):
    news = {"project": "acme/app", "name": "deploy-bot", "scopes": ["read_registry"], "expires_at": day(60)}
    news.update(overrides)
    return news


def check(news, olds=None, kind=PROJECT, **kw):
    return check_inputs(kind, olds or {}, news, TODAY, **kw)


def failures_of(news, olds=None, **kw) -> dict[str, str]:
    _, failures = check(news, olds, **kw)
    return {f.property: f.reason for f in failures}


# --- the happy path -----------------------------------------------------------------


def test_rotation_inputs_are_normalised_and_the_date_planned():
    inputs, failures = check(rotating(access_level=30.0, description="pulls images"))
    assert failures == []
    assert inputs == {
        "project": "acme/app",
        "name": "deploy-bot",
        "scopes": ["read_registry"],
        "access_level": "developer",
        "description": "pulls images",
        "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7},
        "expires_at": day(30),
    }


def test_defaults_access_level_to_maintainer_and_drops_empty_description():
    inputs, _ = check(fixed(description=""))
    assert inputs["access_level"] == "maintainer"
    assert "description" not in inputs


def test_planned_date_is_stable_until_the_window_then_moves():
    first, _ = check(rotating())
    assert first["expires_at"] == day(30)
    later = check_inputs(PROJECT, first, rotating(), TODAY + dt.timedelta(days=22))[0]
    assert later["expires_at"] == day(30), "outside the window the old plan stands"
    in_window = check_inputs(PROJECT, first, rotating(), TODAY + dt.timedelta(days=23))[0]
    assert in_window["expires_at"] == day(23 + 30)


def test_changed_rotation_configuration_replans():
    first, _ = check(rotating())
    second, _ = check(rotating(rotation_configuration={"expiration_days": 60, "rotate_before_days": 7}), olds=first)
    assert second["expires_at"] == day(60)


def test_camel_case_rotation_keys_are_accepted():
    inputs, failures = check(rotating(rotation_configuration={"expirationDays": 10, "rotateBeforeDays": 2}))
    assert failures == []
    assert inputs["rotation_configuration"] == {"expiration_days": 10, "rotate_before_days": 2}


@pytest.mark.parametrize(
    ("given_level", "canonical"),
    [("developer", "developer"), ("Developer", "developer"), (30, "developer"), ("30", "developer"),
     (40.0, "maintainer"), ("planner", "planner"), (50, "owner")],
)
def test_access_level_by_name_or_number(given_level, canonical):
    inputs, failures = check(fixed(access_level=given_level))
    assert failures == []
    assert inputs["access_level"] == canonical


def test_scopes_are_lower_cased_deduplicated_and_keep_their_order():
    inputs, _ = check(fixed(scopes=["READ_API", "read_registry", "read_api"]))
    assert inputs["scopes"] == ["read_api", "read_registry"]


@pytest.mark.parametrize(("given_parent", "normalised"), [(42, "42"), (42.0, "42"), (" acme/app ", "acme/app")])
def test_parent_by_id_or_path(given_parent, normalised):
    inputs, failures = check(fixed(project=given_parent))
    assert failures == []
    assert inputs["project"] == normalised


def test_group_kind_uses_group():
    inputs, failures = check_inputs(GROUP, {}, {**fixed(), "group": "acme"} | {"project": None}, TODAY)
    assert failures == []
    assert inputs["group"] == "acme"
    assert "project" not in inputs


def test_secret_wrapped_values_are_unwrapped():
    inputs, failures = check(fixed(description=rpc.wrap_rpc_secret("quiet")))
    assert failures == []
    assert inputs["description"] == "quiet"


def test_boundary_lengths_are_accepted():
    # GitLab allows 255 description characters; the ownership mark takes 32 of them.
    inputs, failures = check(fixed(name="n" * 255, description="d" * 223))
    assert failures == []
    assert len(inputs["name"]) == 255


# --- expiry rules ----------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, -1, -400])
def test_expiry_not_in_the_future_is_rejected(offset):
    reason = failures_of(fixed(expires_at=day(offset)))["expires_at"]
    assert "not in the future" in reason and day(offset) in reason


def test_expiry_at_the_maximum_lifetime_is_accepted_and_one_day_more_rejected():
    assert failures_of(fixed(expires_at=day(365))) == {}
    reason = failures_of(fixed(expires_at=day(366)))["expires_at"]
    assert "maximum token lifetime of 365 days" in reason and day(365) in reason


def test_maximum_lifetime_is_configurable():
    assert failures_of(fixed(expires_at=day(400)), max_lifetime_days=400) == {}
    assert "expires_at" in failures_of(fixed(expires_at=day(31)), max_lifetime_days=30)
    assert "rotation_configuration.expiration_days" in failures_of(rotating(), max_lifetime_days=20)


def test_an_applied_date_that_has_passed_is_not_rejected_again():
    """A fixed-date token that expired must not make every later preview fail."""
    olds = {"expires_at": day(-10)}
    inputs, failures = check(fixed(expires_at=day(-10)), olds=olds)
    assert failures == []
    assert inputs["expires_at"] == day(-10)


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "tomorrow", "20270131", "2027-01-31T00:00", 20270131,
                                 "2026-02-30T00:00:00Z"])
def test_bad_dates_are_rejected_with_the_format(bad):
    reason = failures_of(fixed(expires_at=bad))["expires_at"]
    assert "YYYY-MM-DD" in reason and "T00:00:00Z" in reason


@pytest.mark.parametrize("kind", [k for k in kinds.ALL if "expires_at" in k.input_names], ids=lambda k: k.resource_name)
@pytest.mark.parametrize("written", ["{d}T00:00:00Z", "{d}T00:00:00.000Z", "{d}t00:00:00z", "{d}T00:00:00+00:00",
                                     "{d}T02:30:00+02:30"])
def test_every_kind_takes_expires_at_as_rfc3339_midnight_utc_and_stores_the_date(kind, written):
    """pulumi-gitlab writes deploy tokens' expires_at as RFC 3339; the date it names is what is kept."""
    inputs, failures = check_inputs(kind, {}, {"expires_at": written.format(d=day(60))}, TODAY)
    assert "expires_at" not in {f.property for f in failures}
    assert inputs["expires_at"] == day(60)
    # Moving between the two ways of writing it is no change of the stored input.
    again, _ = check_inputs(kind, inputs, {"expires_at": day(60)}, TODAY)
    assert again["expires_at"] == inputs["expires_at"]


@pytest.mark.parametrize("written, utc", [("{d}T12:00:00Z", "12:00:00 UTC on {d}"),
                                          ("{d}T00:00:00+02:00", "22:00:00 UTC on {e}"),
                                          ("{d}T00:00:00.5Z", "00:00:00.5 UTC on {d}")])
def test_a_time_other_than_midnight_utc_is_refused_with_the_reason(written, utc):
    reason = failures_of(fixed(expires_at=written.format(d=day(60))))["expires_at"]
    assert utc.format(d=day(60), e=day(59)) in reason
    assert "keeps a token's expiry as a date" in reason and "not midnight" in reason


def test_a_value_that_fails_is_kept_as_written_for_the_policy_pack():
    """The engine runs analyzers on check's inputs even when check failed: they must see the value, not an absence."""
    inputs, failures = check(fixed(expires_at="2027-02-05T12:00:00Z", access_level="boss"))
    assert {f.property for f in failures} == {"expires_at", "access_level"}
    assert inputs["expires_at"] == "2027-02-05T12:00:00Z" and inputs["access_level"] == "boss"


def test_both_expires_at_and_rotation_is_one_failure():
    assert failures_of(rotating(expires_at=day(30))) == {
        "expires_at": "set either expires_at (a fixed date) or rotation_configuration (renewed by `pulumi up`), not both"
    }


def test_ignore_changes_on_expires_at_keeps_the_planned_date():
    """The engine copies an ignored property's old value in: that is not the user setting both."""
    first, _ = check(rotating())
    later = TODAY + dt.timedelta(days=40)  # far inside the window
    inputs, failures = check_inputs(PROJECT, first, rotating(expires_at=first["expires_at"]), later)
    assert failures == []
    assert inputs["expires_at"] == first["expires_at"]
    assert inputs["rotation_configuration"] == {"expiration_days": 30, "rotate_before_days": 7}


def test_checking_checked_inputs_again_is_stable():
    first, _ = check(rotating(access_level=30))
    again, failures = check(first, olds=first)
    assert (again, failures) == (first, [])


def test_neither_expires_at_nor_rotation_is_rejected():
    assert "GitLab requires an expiry" in failures_of(fixed(expires_at=None))["expires_at"]


def test_rotate_before_days_must_be_below_expiration_days():
    reason = failures_of(rotating(rotation_configuration={"expiration_days": 7, "rotate_before_days": 7}))
    assert list(reason) == ["rotation_configuration.rotate_before_days"]
    assert "less than expiration_days (7)" in reason["rotation_configuration.rotate_before_days"]


@pytest.mark.parametrize(
    ("config", "prop"),
    [
        ({"expiration_days": 30}, "rotation_configuration.rotate_before_days"),
        ({"expiration_days": 0, "rotate_before_days": 1}, "rotation_configuration.expiration_days"),
        ({"expiration_days": 3.5, "rotate_before_days": 1}, "rotation_configuration.expiration_days"),
        ({"expiration_days": True, "rotate_before_days": 1}, "rotation_configuration.expiration_days"),
        ({"expiration_days": 30, "rotate_before_days": 7, "every": 3}, "rotation_configuration.every"),
        ("30 days", "rotation_configuration"),
    ],
)
def test_bad_rotation_configuration_names_the_field(config, prop):
    assert prop in failures_of(rotating(rotation_configuration=config))


# --- other properties ----------------------------------------------------------------------


def test_unknown_scopes_list_the_valid_ones():
    reason = failures_of(fixed(scopes=["read_registry", "write_everything", "read_user"]))["scopes"]
    assert "'write_everything', 'read_user'" in reason
    assert ", ".join(catalogue.RESOURCE_TOKEN_SCOPES) in reason


@pytest.mark.parametrize(("scopes", "words"), [([], "empty"), (None, "required"), ("api", "must be a list"), ([1], "unknown scope")])
def test_bad_scopes(scopes, words):
    assert words in failures_of(fixed(scopes=scopes))["scopes"]


@pytest.mark.parametrize("level", ["no one", "minimal", 0, 5])
def test_unassignable_access_levels_are_rejected_specifically(level):
    assert "cannot be given to a token" in failures_of(fixed(access_level=level))["access_level"]


@pytest.mark.parametrize("level", ["admin", 35, True, [30], 30.5])
def test_bad_access_levels_list_the_valid_ones(level):
    reason = failures_of(fixed(access_level=level))["access_level"]
    assert "developer (30)" in reason


def test_name_and_description_limits():
    problems = failures_of(fixed(name="n" * 256, description="d" * 224))
    assert "256 characters" in problems["name"] and "at most 255" in problems["name"]
    assert "224 characters" in problems["description"] and "room for 223" in problems["description"]
    assert "shorten it by 1" in problems["description"]


@pytest.mark.parametrize("name", ["", "   ", None, 7])
def test_bad_names(name):
    assert "name" in failures_of(fixed(name=name))


@pytest.mark.parametrize("project", ["", "/acme/app", "acme//app", "acme/app/", "acme app", "acme:app", 0, -3, True, ["acme"]])
def test_bad_parents(project):
    assert "project" in failures_of(fixed(project=project))


def test_unknown_and_computed_properties_are_rejected():
    problems = failures_of(fixed(scope=["api"], token="glpat-abcdefghijklmnop"))
    assert "not an input of ProjectAccessToken" in problems["scope"]
    assert "computed by GitLab" in problems["token"]
    assert "glpat-abcdefghijklmnop" not in " ".join(problems.values())


def test_provider_key_and_none_outputs_are_ignored():
    assert failures_of(fixed(__provider="xyz", token_id=None)) == {}


def test_one_failure_per_property():
    problems = check(fixed(project=None, name=None, scopes=[], access_level="boss", expires_at="soon"))[1]
    props = [f.property for f in problems]
    assert props == sorted(set(props), key=props.index)
    assert set(props) == {"project", "name", "scopes", "access_level", "expires_at"}


# --- preview unknowns ------------------------------------------------------------------------


def test_unknown_values_pass_through_unchecked():
    inputs, failures = check(fixed(project=Unknown(), description=Unknown()))
    assert failures == []
    assert isinstance(inputs["project"], Unknown)


def test_unknown_rotation_makes_the_planned_date_unknown():
    inputs, failures = check(rotating(rotation_configuration={"expiration_days": Unknown(), "rotate_before_days": 7}))
    assert failures == []
    assert isinstance(inputs["expires_at"], Unknown)


def test_unknown_scope_entries_pass():
    inputs, failures = check(fixed(scopes=["read_api", Unknown()]))
    assert failures == []


# --- TokenSpec --------------------------------------------------------------------------------


def test_token_spec_from_checked_inputs():
    inputs, _ = check(rotating(access_level="developer"))
    spec = TokenSpec.from_checked(PROJECT, inputs)
    assert spec.rotation == RotationConfiguration(30, 7)
    assert spec.access_level_value == 30
    assert spec.expires_at == TODAY + dt.timedelta(days=30)
    assert spec.description is None


# --- never raises --------------------------------------------------------------------------------

#: Whatever the engine could deliver: JSON-like values, unknowns (both spellings), huge and odd strings.
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    | st.sampled_from([rpc.UNKNOWN, Unknown(), "x" * 100_000, "glpat-" + "a" * 20, "\x00", "2026-02-30", ""])
)
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
KNOWN_KEYS = ["project", "group", "name", "scopes", "access_level", "description", "expires_at",
              "rotation_configuration", "validate_past_expiration_date", "token", "__provider", "other"]
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=10)
prop_bags = st.dictionaries(keys, junk, max_size=9)
#: Deterministic and fast: the same few hundred examples on every run, no deadline on slow CI.
FUZZ = settings(max_examples=400, deadline=None, derandomize=True)


def assert_failures_name_properties(kind, news, failures) -> None:
    """Every failure names a property (or a field of one, ``rotation_configuration.expiration_days``):
    one the user passed, or an input of the kind."""
    # Names are printed escaped where they hold control or bidi characters (see characters.escape_unsafe).
    named = {escape_unsafe(str(k) or repr(k)) for k in news} if isinstance(news, dict) else set()
    named |= set(input_keys(kind))
    for failure in failures:
        assert failure.reason, failure
        top = failure.property if failure.property in named else failure.property.split(".")[0]
        assert top in named, (failure.property, failure.reason)


@FUZZ
@given(olds=prop_bags | junk, news=prop_bags | junk, kind=st.sampled_from([PROJECT, GROUP]))
def test_check_never_raises_and_failures_name_properties(olds, news, kind):
    inputs, failures = check_inputs(kind, olds, news, TODAY)
    assert isinstance(inputs, dict)
    assert_failures_name_properties(kind, news, failures)
    if not isinstance(news, dict) or not news:
        assert failures, "empty or non-mapping inputs cannot be valid"


@FUZZ
@given(olds=prop_bags, news=prop_bags, provider_cls=st.sampled_from([ProjectAccessTokenProvider, GroupAccessTokenProvider]))
def test_the_providers_check_never_raises_and_names_properties(olds, news, provider_cls):
    """The provider's own ``check``, as the servicer calls it: no exception, and failures that say where."""
    result = provider_cls().check(dict(olds), dict(news))
    assert isinstance(result.inputs, dict)
    assert_failures_name_properties(provider_cls.kind, news, result.failures)


@settings(max_examples=200, deadline=None)
@given(
    scopes=st.lists(st.sampled_from(catalogue.RESOURCE_TOKEN_SCOPES), min_size=1, max_size=4),
    level=st.sampled_from(list(catalogue.ACCESS_LEVELS) + list(catalogue.ACCESS_LEVELS.values())),
    expiration=st.integers(2, 365),
    data=st.data(),
)
def test_every_valid_rotation_input_passes_and_plans_within_the_lifetime(scopes, level, expiration, data):
    before = data.draw(st.integers(1, expiration - 1))
    inputs, failures = check(rotating(scopes=scopes, access_level=level,
                                      rotation_configuration={"expiration_days": expiration, "rotate_before_days": before}))
    assert failures == []
    planned = dt.date.fromisoformat(inputs["expires_at"])
    assert TODAY < planned <= TODAY + dt.timedelta(days=catalogue.MAX_LIFETIME_DAYS)

"""Provider parts that need no GitLab: configuration, serialization, diff, errors, the resource classes."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import re
import shutil

import certifi
import dill
import gitlab.exceptions
import pulumi
import pytest
import requests
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from pulumi_gitlab_tokens import (
    GitLabTokenError,
    GroupAccessToken,
    ProjectAccessToken,
    ProjectAccessTokenArgs,
    RotationConfigurationArgs,
    kinds,
)
from pulumi_gitlab_tokens.client import gitlab_client, gitlab_errors
from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.common.errors import CredentialMissingError, register_secret, scrub
from pulumi_gitlab_tokens.lifecycle import token_endpoints
from pulumi_gitlab_tokens.lifecycle.provider import GroupAccessTokenProvider, ProjectAccessTokenProvider

CREDENTIAL = "glpat-ADMINcredential0123456789"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: any call would fail loudly


def configure(provider, **config):
    provider.configure(ConfigureRequest(Config(config, "infra")))


# --- configuration ------------------------------------------------------------------


def test_configure_reads_pulumi_gitlab_keys_and_strips_api_v4(tmp_path):
    ca_bundle = tmp_path / "corp.pem"
    shutil.copyfile(certifi.where(), ca_bundle)  # a real PEM bundle: configure loads it
    configure(ProjectAccessTokenProvider(), **{
        "gitlab:baseUrl": "https://gitlab.example.com/api/v4/",
        "gitlab:token": CREDENTIAL,
        "gitlab:cacertFile": str(ca_bundle),
        "gitlab-tokens:maxTokenLifetimeDays": "400",
        "gitlab:retries": "2",
    })
    settings = gitlab_client.current_settings()
    assert settings.base_url == "https://gitlab.example.com"
    assert settings.token == CREDENTIAL
    assert settings.ssl_verify == str(ca_bundle)
    assert settings.max_lifetime_days == 400
    assert settings.retries == 2


def test_the_old_lifetime_key_still_applies_and_the_new_one_wins():
    configure(ProjectAccessTokenProvider(), **{"gitlab:maxTokenLifetimeDays": "300"})
    assert gitlab_client.current_settings().max_lifetime_days == 300
    configure(ProjectAccessTokenProvider(), **{"gitlab:maxTokenLifetimeDays": "300",
                                               "gitlab-tokens:maxTokenLifetimeDays": "200"})
    assert gitlab_client.current_settings().max_lifetime_days == 200
    configure(ProjectAccessTokenProvider())
    assert gitlab_client.current_settings().max_lifetime_days == catalogue.MAX_LIFETIME_DAYS


@pytest.mark.parametrize("key", ["gitlab-tokens:maxTokenLifetimeDays", "gitlab:maxTokenLifetimeDays"])
def test_a_bad_lifetime_names_the_key_it_came_from_and_the_new_key(key):
    with pytest.raises(GitLabTokenError, match="is 'a year'; set it to a whole number of days") as caught:
        configure(ProjectAccessTokenProvider(), **{key: "a year"})
    assert str(caught.value) == (f"{key} is 'a year'; set it to a whole number of days, "
                                 f"like `pulumi config set gitlab-tokens:maxTokenLifetimeDays 400`")
    with pytest.raises(GitLabTokenError, match=f"^{key} must be at least 1$"):
        configure(ProjectAccessTokenProvider(), **{key: "0"})


@pytest.mark.parametrize(("config", "env", "expected"), [
    ({}, None, True),
    ({"gitlab-tokens:previewChecks": "false"}, None, False),
    ({"gitlab-tokens:previewChecks": "true"}, "false", True),
    ({}, "false", False),
    ({}, "0", False),
    ({"gitlab-tokens:previewChecks": ""}, "no", False),
])
def test_preview_checks_are_on_unless_config_or_environment_turn_them_off(monkeypatch, config, env, expected):
    monkeypatch.delenv("GITLAB_TOKENS_PREVIEW_CHECKS", raising=False)
    if env is not None:
        monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", env)
    configure(ProjectAccessTokenProvider(), **config)
    assert gitlab_client.current_settings().preview_checks is expected


def test_a_bad_preview_checks_value_names_where_it_came_from(monkeypatch):
    with pytest.raises(GitLabTokenError, match="^gitlab-tokens:previewChecks is 'sometimes'; set it to true or false$"):
        configure(ProjectAccessTokenProvider(), **{"gitlab-tokens:previewChecks": "sometimes"})
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "later")
    with pytest.raises(GitLabTokenError, match="^GITLAB_TOKENS_PREVIEW_CHECKS is 'later'"):
        configure(ProjectAccessTokenProvider())


CI_JOB = {"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.corp.example"}


@pytest.mark.parametrize(("config", "env", "expected"), [
    ({}, CI_JOB, "https://gitlab.corp.example"),
    ({}, {**CI_JOB, "GITLAB_BASE_URL": "https://other.example/api/v4"}, "https://other.example"),
    ({"gitlab:baseUrl": "https://config.example"}, CI_JOB, "https://config.example"),
    ({}, {"CI_SERVER_URL": "https://gitlab.corp.example"}, gitlab_client.DEFAULT_BASE_URL),  # not in a GitLab CI job
    ({}, {"GITLAB_CI": "true"}, gitlab_client.DEFAULT_BASE_URL),
    ({}, {}, gitlab_client.DEFAULT_BASE_URL),
])
def test_inside_gitlab_ci_the_base_url_defaults_to_the_instance_running_the_job(monkeypatch, config, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    configure(ProjectAccessTokenProvider(), **config)
    assert gitlab_client.current_settings().base_url == expected


def test_namespaced_keys_are_not_prefixed_with_the_project_name():
    # Config.get prefixes only bare keys; "gitlab:token" must not become "infra:gitlab:token".
    config = Config({"gitlab:token": "a", "infra:token": "b"}, "infra")
    assert config.get("gitlab:token") == "a"
    assert config.get("token") == "b"


def test_environment_is_the_fallback(monkeypatch):
    monkeypatch.setenv("GITLAB_BASE_URL", "http://localhost:8080")
    monkeypatch.setenv("GITLAB_TOKEN", CREDENTIAL)
    configure(ProjectAccessTokenProvider())
    settings = gitlab_client.current_settings()
    assert (settings.base_url, settings.token, settings.ssl_verify) == ("http://localhost:8080", CREDENTIAL, True)


def test_stack_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-from-environment-000")
    configure(ProjectAccessTokenProvider(), **{"gitlab:token": CREDENTIAL})
    assert gitlab_client.current_settings().token == CREDENTIAL


@pytest.mark.parametrize(("value", "verify"), [("true", False), ("false", True), (None, True)])
def test_insecure_turns_off_tls_verification(value, verify):
    configure(ProjectAccessTokenProvider(), **{"gitlab:insecure": value})
    assert gitlab_client.current_settings().ssl_verify is verify


def test_bad_insecure_value_is_a_clear_error():
    with pytest.raises(GitLabTokenError, match="gitlab:insecure is 'maybe'; set it to true or false"):
        configure(ProjectAccessTokenProvider(), **{"gitlab:insecure": "maybe"})


def test_credential_from_the_environment_is_stripped_like_the_config(monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", CREDENTIAL + "\n")
    monkeypatch.setenv("GITLAB_BASE_URL", " http://localhost:8080/ \n")
    configure(ProjectAccessTokenProvider())
    settings = gitlab_client.current_settings()
    assert (settings.token, settings.base_url) == (CREDENTIAL, "http://localhost:8080")


@pytest.mark.parametrize(("config", "env", "source"), [
    ({"gitlab:token": "corp-s3cr3t\nvalue-0123"}, None, "gitlab:token"),
    ({}, "corp-s3cr3t value-0123", "GITLAB_TOKEN"),
    ({}, "corp-s3cr3t\x1bvalue-0123", "GITLAB_TOKEN"),
])
def test_credential_with_whitespace_inside_is_refused_without_showing_it(monkeypatch, config, env, source):
    if env is not None:
        monkeypatch.setenv("GITLAB_TOKEN", env)
    with pytest.raises(GitLabTokenError, match="contains whitespace or control characters inside the token") as caught:
        configure(ProjectAccessTokenProvider(), **config)
    assert str(caught.value).startswith(f"{source} contains whitespace or control characters")
    assert "s3cr3t" not in str(caught.value)


def test_a_registered_secret_is_scrubbed_in_its_repr_forms_too():
    secret = "corpPAT_s3cr3tvalue0123456789\n"
    register_secret(secret)
    for shown in (f"Invalid header value {secret.encode()!r}", f"value {secret!r}", secret.strip()):
        assert "s3cr3t" not in scrub(shown), shown


def test_unexpected_request_failures_never_show_the_exception_text():
    unregistered = "corpPAT_n0tregistered0123456789"
    err = gitlab_errors.translate(kinds.PROJECT, ROUTE, ValueError(f"Invalid header value b'{unregistered}\\n'"))
    assert str(err) == f"Calling GitLab on {ROUTE} failed before an answer: ValueError."


def test_settings_repr_hides_the_credential():
    assert CREDENTIAL not in repr(gitlab_client.Settings(token=CREDENTIAL))


def test_missing_credential_names_the_config_key_and_the_variable():
    configure(ProjectAccessTokenProvider(), **{"gitlab:baseUrl": UNREACHABLE})
    with pytest.raises(CredentialMissingError, match="No GitLab credential is configured") as caught:
        gitlab_client.admin_client()
    message = str(caught.value)
    assert "pulumi config set --secret gitlab:token" in message and "GITLAB_TOKEN" in message


@pytest.mark.parametrize("kind, needed, not_needed", [
    (kinds.PROJECT, "Maintainer (or higher) on the project", "Owner"),
    (kinds.GROUP_DEPLOY, "Owner (or higher) on the group", "Maintainer"),
    (kinds.GROUP_SERVICE_ACCOUNT, "Owner (or higher) on the group", "Maintainer"),
    (kinds.PROJECT_SERVICE_ACCOUNT, "Maintainer (or higher) on the project", "Owner"),
    (kinds.PERSONAL, "an administrator's personal access token", "Maintainer"),
])
def test_missing_credential_names_the_role_the_kind_needs(kind, needed, not_needed):
    configure(ProjectAccessTokenProvider(), **{"gitlab:baseUrl": UNREACHABLE})
    with pytest.raises(CredentialMissingError, match="No GitLab credential is configured") as caught:
        gitlab_client.admin_client()
    message = gitlab_errors.translate(kind, ROUTE, caught.value).message
    assert isinstance(gitlab_errors.translate(kind, ROUTE, caught.value), CredentialMissingError)
    assert needed in message and not_needed not in message
    assert "pulumi config set --secret gitlab:token" in message


def test_one_client_per_process_until_settings_change():
    configure(ProjectAccessTokenProvider(), **{"gitlab:baseUrl": UNREACHABLE, "gitlab:token": CREDENTIAL})
    first = gitlab_client.admin_client()
    configure(GroupAccessTokenProvider(), **{"gitlab:baseUrl": UNREACHABLE, "gitlab:token": CREDENTIAL})
    assert gitlab_client.admin_client() is first
    configure(ProjectAccessTokenProvider(), **{"gitlab:baseUrl": UNREACHABLE, "gitlab:token": CREDENTIAL + "x"})
    assert gitlab_client.admin_client() is not first


# --- serialization into the state ----------------------------------------------------------------


@pytest.mark.parametrize("provider_class", [ProjectAccessTokenProvider, GroupAccessTokenProvider])
def test_serialized_provider_is_a_small_reference_without_credentials(provider_class):
    provider = provider_class()
    configure(provider, **{"gitlab:baseUrl": "https://user:glpat-inurl0123456789@gitlab.example.com",
                           "gitlab:token": CREDENTIAL})
    gitlab_client.admin_client()  # a live client exists in the process
    pickled = base64.b64decode(serialize_provider(provider))
    assert CREDENTIAL.encode() not in pickled
    assert b"glpat-" not in pickled and b"gitlab.example.com" not in pickled
    assert provider_class.__name__.encode() in pickled and b"pulumi_gitlab_tokens.lifecycle.provider" in pickled
    assert len(pickled) < 200, "pickled by reference, not by value"
    assert vars(provider) == {}


# --- diff: every branch, no API call ------------------------------------------------------------------

OLD = {
    "project": "acme/app",
    "name": "deploy",
    "scopes": ["read_registry", "read_api"],
    "access_level": "developer",
    "description": "",
    "rotation_configuration": {"expiration_days": 30.0, "rotate_before_days": 7.0},
    "expires_at": "2026-03-31",
    "token": "glpat-statevalue0123456789",
    "token_id": 12.0,
    "user_id": 5.0,
    "active": True,
    "revoked": False,
}
NEW = {
    "project": "acme/app",
    "name": "deploy",
    "scopes": ["read_api", "read_registry"],
    "access_level": "developer",
    "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7},
    "expires_at": "2026-03-31",
}


@pytest.fixture
def diffing(monkeypatch):
    monkeypatch.setenv("GITLAB_TESTING_TIME", "2026-03-10T12:00:00Z")
    provider = ProjectAccessTokenProvider()
    configure(provider, **{"gitlab:baseUrl": UNREACHABLE, "gitlab:token": CREDENTIAL})
    return lambda olds=None, **news: provider.diff("acme/app:12", {**OLD, **(olds or {})}, {**NEW, **news})


def test_no_change_when_only_scope_order_and_number_types_differ(diffing):
    result = diffing(access_level=30)
    assert (result.changes, result.replaces) == (False, None)


@pytest.mark.parametrize(
    ("change", "replaced"),
    [({"project": "acme/other"}, "project"), ({"name": "deploy-2"}, "name"), ({"scopes": ["read_api"]}, "scopes"),
     ({"access_level": "maintainer"}, "access_level"), ({"description": "new words"}, "description")],
)
def test_replacing_changes(diffing, change, replaced):
    result = diffing(**change)
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, [replaced], False)


def test_new_planned_date_rotates_in_place(diffing):
    result = diffing(expires_at="2026-04-09")
    assert (result.changes, result.replaces) == (True, None)


def test_rotation_configuration_change_alone_is_an_update(diffing):
    result = diffing(rotation_configuration={"expiration_days": 30, "rotate_before_days": 5})
    assert (result.changes, result.replaces) == (True, None)


def test_revoked_token_under_rotation_is_replaced(diffing):
    result = diffing(olds={"revoked": True, "active": False})
    assert (result.changes, result.replaces) == (True, ["revoked"])


def test_revoked_fixed_date_token_past_expiry_is_left_alone(diffing):
    result = diffing(olds={"revoked": True, "active": False, "rotation_configuration": None,
                           "expires_at": "2026-03-01"},
                     rotation_configuration=None, expires_at="2026-03-01")
    assert (result.changes, result.replaces) == (False, None)


def test_expired_fixed_date_token_only_shows_drift(diffing):
    result = diffing(olds={"active": False, "rotation_configuration": None, "expires_at": "2026-03-05"},
                     rotation_configuration=None, expires_at="2026-03-05")
    assert (result.changes, result.replaces) == (False, None)


def test_unknown_replacing_input_at_preview_is_a_replacement(diffing):
    result = diffing(project=Unknown())
    assert result.replaces == ["project"]


def test_unknown_planned_date_is_a_change(diffing):
    result = diffing(expires_at=Unknown())
    assert (result.changes, result.replaces) == (True, None)


def test_update_refuses_a_revoked_token_before_any_call(diffing, monkeypatch):
    """The engine replaces revoked tokens (diff says so); update never tries to rotate one."""
    provider = ProjectAccessTokenProvider()
    monkeypatch.setattr(gitlab_client, "admin_client", lambda: pytest.fail("no API call expected"))
    with pytest.raises(GitLabTokenError, match="must be replaced, not updated"):
        provider.update("acme/app:12", {**OLD, "revoked": True}, dict(NEW))


# --- check: never raises ---------------------------------------------------------------------------


def test_check_reports_a_bad_clock_override_instead_of_raising(monkeypatch):
    monkeypatch.setenv("GITLAB_TESTING_TIME", "yesterday-ish")
    result = ProjectAccessTokenProvider().check({}, dict(NEW))
    assert [f.property for f in result.failures] == ["project"]
    assert "RFC 3339" in result.failures[0].reason


# --- errors ---------------------------------------------------------------------------------------

ROUTE = "POST /projects/acme%2Fapp/access_tokens"


def http_error(status, message, cls=gitlab.exceptions.GitlabCreateError):
    return cls(error_message=message, response_code=status, response_body=b"{}")


@pytest.mark.parametrize(
    ("status", "message", "kind", "hint"),
    [
        (401, "401 Unauthorized", kinds.PROJECT, "Check that gitlab:token (or GITLAB_TOKEN) is valid"),
        (403, "insufficient_scope", kinds.PROJECT, "use a token with the `api` scope"),
        (404, "404 Project Not Found", kinds.PROJECT, "The project does not exist or the credential cannot see it"),
        (404, "404 Group Not Found", kinds.GROUP, "The group does not exist"),
        (400, "400 Bad request - User does not have permission to create project access token", kinds.PROJECT,
         "needs Maintainer (or higher) on the project"),
        (400, "400 Bad request - User does not have permission to create group access token", kinds.GROUP,
         "needs Owner (or higher) on the group"),
        (400, "400 Bad request - Expires at must be before 2027-03-10", kinds.PROJECT,
         "gitlab-tokens:maxTokenLifetimeDays"),
        (400, "400 Bad request - Token already revoked", kinds.PROJECT, "`pulumi refresh`"),
        (429, "Retry later", kinds.PROJECT, "rate-limiting"),
        (503, "503 Service Unavailable", kinds.PROJECT, "try again later"),
    ],
)
def test_gitlab_errors_become_one_line_with_status_message_and_advice(status, message, kind, hint):
    err = gitlab_errors.translate(kind, ROUTE, http_error(status, message))
    text = str(err)
    assert text.startswith(f"GitLab answered {status} ")
    assert f"on {ROUTE}: {message}." in text
    assert hint in text
    assert "\n" not in text
    assert err.status == status


@pytest.mark.parametrize("status", [401, 405])
def test_self_rotation_refusals_do_not_blame_the_admin_credential(status):
    route = "POST /projects/acme%2Fapp/access_tokens/self/rotate"
    text = str(gitlab_errors.translate(kinds.PROJECT, route, http_error(status, f"{status} refused")))
    assert "Check that gitlab:token" not in text and "set gitlab:token so the provider rotates by id" in text.lower()


def test_connection_failures_name_the_host_but_not_its_credentials():
    configure(ProjectAccessTokenProvider(), **{"gitlab:baseUrl": "https://bot:glpat-inurl0123456789@gitlab.example.com"})
    text = str(gitlab_errors.translate(kinds.PROJECT, ROUTE, requests.exceptions.ConnectionError("reset")))
    assert "Could not reach GitLab at https://gitlab.example.com on POST" in text
    assert "glpat" not in text and "bot" not in text


@pytest.mark.parametrize(
    ("failure", "lost"),
    [
        (requests.exceptions.ReadTimeout("slow"), True),
        (requests.exceptions.ConnectionError("RemoteDisconnected"), True),
        (requests.exceptions.ChunkedEncodingError("cut"), True),
        (gitlab.exceptions.GitlabParsingError("garbled"), True),
        (http_error(502, "502 Bad Gateway"), True),
        (requests.exceptions.SSLError("bad cert"), False),
        (http_error(400, "400 Bad request"), False),
        (http_error(429, "Retry later"), False),
    ],
)
def test_which_minting_failures_count_as_a_lost_answer(failure, lost):
    """Only failures after which GitLab may have committed send create/rotate into recovery."""
    api = token_endpoints.TokenEndpoints(kinds.PROJECT, "acme/app")

    def fail():
        raise failure

    expected = gitlab_errors.AnswerLost if lost else GitLabTokenError
    with pytest.raises(expected, match=re.escape(ROUTE)):
        api._call(ROUTE, fail, minting=True)
    with pytest.raises(GitLabTokenError, match=re.escape(ROUTE)):
        api._call(ROUTE, fail, minting=False)


def test_tls_failures_point_at_cacert_file():
    text = str(gitlab_errors.translate(kinds.PROJECT, ROUTE, requests.exceptions.SSLError("bad cert")))
    assert "gitlab:cacertFile" in text


def test_messages_are_scrubbed_of_tokens_and_the_credential():
    gitlab_client.configure(gitlab_client.Settings(token="plain-credential-without-prefix"))
    err = gitlab_errors.translate(
        kinds.PROJECT, ROUTE,
        http_error(400, "400 Bad request - glpat-N17OS3FE91S0ptpkfjoZV286MQp1OjEH.01.0w0zjr84j and plain-credential-without-prefix"),
    )
    assert "glpat-N17" not in str(err) and "plain-credential" not in str(err)
    assert str(err).count("[REDACTED]") == 2


def test_scrub_removes_legacy_and_routable_tokens():
    assert scrub("a glpat-abcdefghij0123456789 b") == "a [REDACTED] b"
    assert scrub("nothing secret here") == "nothing secret here"


@pytest.mark.parametrize("prefix", catalogue.TOKEN_PREFIXES)
def test_scrub_removes_every_gitlab_token_prefix(prefix):
    assert scrub(f"value {prefix}N17OS3FE91S0ptpkfjoZ.01.0w0zjr84j seen") == "value [REDACTED] seen"


@pytest.mark.parametrize("name", ["global-infrastructure", "glossary-service-bot", "gluster-backup-ci"])
def test_scrub_leaves_ordinary_names_starting_with_gl(name):
    text = f"GitLab answered 404 Not Found on GET /projects/acme%2F{name}/access_tokens: 404 Project Not Found"
    assert scrub(text) == text


def test_unexpected_exceptions_are_wrapped_scrubbed_and_located(monkeypatch):
    monkeypatch.setenv("GITLAB_TESTING_TIME", "2026-03-01T12:00:00Z")  # NEW's expires_at is in the future
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-a-credential-keying-the-mark")  # the mark needs a key first
    provider = ProjectAccessTokenProvider()

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom glpat-leakedvalue0123456789")

    monkeypatch.setattr("pulumi_gitlab_tokens.lifecycle.recovery.create_token", explode)
    with pytest.raises(GitLabTokenError, match="This is a bug in pulumi-gitlab-tokens") as caught:
        provider.create({**NEW})
    text = str(caught.value)
    assert text.startswith("create failed unexpectedly at test_provider_unit.py:")
    assert "RuntimeError: boom [REDACTED]" in text and "glpat-leaked" not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# --- the resource classes under Pulumi mocks ------------------------------------------------------------


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.registered = []

    def new_resource(self, args):
        self.registered.append(args)
        return f"{args.inputs.get('project') or args.inputs.get('group')}:1", {**args.inputs, "token": "glpat-mockvalue000000000"}

    def call(self, args):
        return {}, None


@pytest.fixture
def mocks():
    m = _Mocks()
    # The SDK's mocks take the thread's current event loop; a test that ran asyncio.run() before
    # (the native provider's) leaves none set.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(m, project="infra", stack="dev", preview=False)
    return m


@pulumi.runtime.test
def test_project_token_resource_type_inputs_and_secret_token(mocks):
    token = ProjectAccessToken(
        "deploy",
        project="acme/app",
        scopes=["read_registry"],
        access_level="developer",
        rotation_configuration=RotationConfigurationArgs(expiration_days=30, rotate_before_days=7),
        opts=pulumi.ResourceOptions(protect=False, additional_secret_outputs=["description"]),
    )

    def verify(values):
        secret_token, name = values
        (args,) = mocks.registered
        assert args.typ == catalogue.PROJECT_TOKEN_TYPE
        assert args.inputs["name"] == "deploy", "name defaults to the resource name"
        assert args.inputs["rotation_configuration"] == {"expiration_days": 30, "rotate_before_days": 7}
        assert "token" not in args.inputs and "__provider" in args.inputs
        assert name == "deploy"

    return pulumi.Output.all(token.token, token.name).apply(verify)


@pulumi.runtime.test
def test_each_resource_names_itself_to_its_provider_for_the_ownership_mark(mocks):
    class Team(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("acme:index:Team", name)

    top = ProjectAccessToken("ci", project="acme/app", scopes=["read_api"], expires_at="2027-01-31")
    nested = ProjectAccessToken("ci", project="acme/app", scopes=["read_api"], expires_at="2027-01-31",
                                opts=pulumi.ResourceOptions(parent=Team("blue")))

    def verify(_):
        def unpickled(value):  # the SDK marks __provider secret: the mocks see its wrapper
            return dill.loads(base64.b64decode(value["value"] if isinstance(value, dict) else value))

        providers = [unpickled(a.inputs["__provider"]) for a in mocks.registered
                     if a.typ == catalogue.PROJECT_TOKEN_TYPE]
        # Registrations complete asynchronously, in no fixed order.
        assert sorted(p.resource for p in providers) == sorted([
            f"{catalogue.PROJECT_TOKEN_TYPE}::ci",
            f"acme:index:Team::blue${catalogue.PROJECT_TOKEN_TYPE}::ci",
        ])
        assert all(p.owner.endswith("/infra/dev") for p in providers)  # the organization depends on the mocks

    return pulumi.Output.all(top.urn, nested.urn).apply(verify)


def test_a_provider_per_resource_still_builds_one_client(monkeypatch):
    """The engine configures one provider per distinct ``__provider``, i.e. per resource."""
    built = []
    new_client = gitlab_client._new_client
    monkeypatch.setattr(gitlab_client, "_new_client", lambda *a: built.append(1) or new_client(*a))
    serialized = {serialize_provider(ProjectAccessTokenProvider("o/p/s", f"t::r{i}")) for i in range(20)}
    assert len(serialized) == 20
    clients = set()
    for text in serialized:
        provider = dill.loads(base64.b64decode(text))
        configure(provider, **{"gitlab:baseUrl": UNREACHABLE, "gitlab:token": CREDENTIAL})
        clients.add(id(gitlab_client.admin_client()))
    assert len(built) == 1 and len(clients) == 1


@pytest.fixture
def registrations(monkeypatch, mocks):
    """The RegisterResource requests the SDK sends (mocks do not apply resource options)."""
    seen = []
    original = pulumi.runtime.mocks.MockMonitor.RegisterResource

    def record(self, request):
        seen.append(request)
        return original(self, request)

    monkeypatch.setattr(pulumi.runtime.mocks.MockMonitor, "RegisterResource", record)
    return seen


@pulumi.runtime.test
def test_token_is_an_additional_secret_output_merged_with_the_users(registrations):
    token = GroupAccessToken("ci", group="acme", scopes=["api"], expires_at="2027-01-31",
                             opts=pulumi.ResourceOptions(additional_secret_outputs=["description"]))
    assert hasattr(token, "token_id") and hasattr(token, "revoked") and hasattr(token, "user_id")

    def verify(_):
        (request,) = [r for r in registrations if r.type == catalogue.GROUP_TOKEN_TYPE]
        assert sorted(request.additionalSecretOutputs) == ["description", "token"]

    return token.urn.apply(verify)


@pulumi.runtime.test
def test_args_class_form_and_group_type(mocks):
    args = ProjectAccessTokenArgs(project=42, scopes=["read_api"], name="explicit", expires_at="2027-01-31")
    token = ProjectAccessToken("x", args, pulumi.ResourceOptions())
    group = GroupAccessToken("g", pulumi.ResourceOptions(), group="acme", scopes=["api"], expires_at="2027-01-31")

    def verify(_):
        types = sorted(a.typ for a in mocks.registered)
        assert types == [catalogue.GROUP_TOKEN_TYPE, catalogue.PROJECT_TOKEN_TYPE]
        by_name = {a.name: a.inputs for a in mocks.registered}
        assert by_name["x"]["name"] == "explicit" and by_name["x"]["project"] == 42

    return pulumi.Output.all(token.urn, group.urn).apply(verify)


def test_wrong_args_type_is_a_type_error():
    with pytest.raises(TypeError, match="expected ProjectAccessTokenArgs"):
        ProjectAccessToken("x", {"project": "acme/app"})  # type: ignore[arg-type]


def test_client_reads_proxy_settings_once_with_requests_rules(monkeypatch):
    """requests would rescan os.environ on every call; the client resolves proxies once instead."""
    from pulumi_gitlab_tokens.client import gitlab_client, gitlab_errors
    from pulumi_gitlab_tokens.lifecycle import token_endpoints

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "skip.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")
    settings = gitlab_client.Settings(base_url="https://gitlab.example", token="x", ssl_verify=True,
                                   max_lifetime_days=365)
    client = gitlab_client._new_client(settings, "x")
    assert client.session.trust_env is False
    assert client.session.proxies.get("https") == "http://proxy.internal:3128"
    assert client.ssl_verify == "/etc/corp-ca.pem", "the CA bundle variable still applies"

    bypassed = gitlab_client._new_client(dataclasses.replace(settings, base_url="https://skip.example"), "x")
    assert bypassed.session.proxies == {}
    assert gitlab_client._new_client(dataclasses.replace(settings, ssl_verify=False), "x").ssl_verify is False


def test_a_models_errors_by_attribute_read_as_rails_full_messages():
    """``render_validation_error!`` answers ``{"message": {attribute: [...]}}``: every attribute is named, and
    ``base`` (the model as a whole) is not, as Rails' ``full_messages`` say them."""
    answer = gitlab.exceptions.GitlabCreateError(
        {"name": ["can't be blank"], "expires_at": ["can't be blank", "must be before 2027-03-01"],
         "base": ["Token limit reached"]}, 400)
    said = gitlab_errors.translate(kinds.PROJECT, "POST /projects/1/access_tokens", answer)
    assert said.gitlab_message == ("Name can't be blank; Expires at can't be blank; Expires at must be before "
                                   "2027-03-01; Token limit reached")

"""Boot the pack as the CLI does (``python -m pulumi.policy``) and talk to it over gRPC.

No Pulumi CLI is involved: this drives the real pulumi_policy servicer, so it
checks what unit tests cannot: that ``__main__.py`` starts, that the pack
reports the documented names and levels, and how config and violations
travel over the wire. It uses internal proto modules (not a stable API); the
engine tests cover the same ground through ``pulumi preview``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator

import gitlab_token_policies as pack
import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from policy_harness import PACK_DIR, TESTING_TIME, UNKNOWN, days_from_today, secret, token_props
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

from pulumi_gitlab_tokens.common import catalogue, clock

PROJECT = catalogue.PROJECT_TOKEN_TYPE
URN = f"urn:pulumi:dev::demo::{PROJECT}::deploy-token"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # The engine address is only used by the pack to log; nothing listens there.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)],
        cwd=PACK_DIR,
        # The pack measures lifetimes from the same pinned "today" as the tests.
        env={**os.environ, clock.TESTING_TIME_ENV: TESTING_TIME},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.poll() is not None else port
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def struct(value: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def configure(stub: analyzer_pb2_grpc.AnalyzerStub, **levels_and_props: tuple[int, dict]) -> None:
    """Send a config the way the engine does after filling schema defaults."""
    config = {}
    for policy in pack.POLICIES:
        level, overrides = levels_and_props.get(policy.name, (None, {}))
        if level is None:
            level = analyzer_pb2.EnforcementLevel.Value(policy.enforcement_level.value.upper())
        props = {**pack.schema_defaults(policy), **overrides}
        config[policy.name] = analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=struct(props))
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config))


def analyze(stub: analyzer_pb2_grpc.AnalyzerStub, props: dict) -> analyzer_pb2.AnalyzeResponse:
    request = analyzer_pb2.AnalyzeRequest(type=PROJECT, properties=struct(props), urn=URN, name="deploy-token")
    return stub.Analyze(request)


def test_pack_reports_documented_policies(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "gitlab-tokens" and info.supportsConfig
    levels = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel) for p in info.policies}
    assert levels == {
        "gitlab-token-scopes": "MANDATORY",
        "gitlab-token-lifetime": "MANDATORY",
        "gitlab-token-rotation": "ADVISORY",
        "gitlab-token-access-level": "MANDATORY",
        "gitlab-token-description": "ADVISORY",
        "gitlab-token-name": "ADVISORY",
        "gitlab-token-expiring": "ADVISORY",
        "gitlab-token-unique-names": "MANDATORY",
    }
    for policy in info.policies:
        assert policy.remediation_steps and "exclude" in policy.configSchema.properties


def test_violation_names_policy_and_problem(analyzer) -> None:
    configure(analyzer)
    response = analyze(analyzer, token_props(PROJECT, scopes=["api", "read_api"]))
    (diagnostic,) = response.diagnostics
    assert diagnostic.policyName == "gitlab-token-scopes"
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "Forbidden scopes: api" in diagnostic.message


def test_config_changes_the_outcome(analyzer) -> None:
    props = token_props(PROJECT, expires_at=days_from_today(200))
    configure(analyzer)
    assert [d.policyName for d in analyze(analyzer, props).diagnostics] == ["gitlab-token-lifetime"]
    configure(analyzer, **{"gitlab-token-lifetime": (analyzer_pb2.MANDATORY, {"maxDays": 365})})
    assert list(analyze(analyzer, props).diagnostics) == []


def test_unknowns_at_preview_are_not_applicable_not_errors(analyzer) -> None:
    configure(analyzer)
    props = token_props(PROJECT, scopes=UNKNOWN, expires_at=UNKNOWN, access_level=UNKNOWN)
    response = analyze(analyzer, props)
    assert list(response.diagnostics) == []
    not_applicable = {n.policy_name for n in response.not_applicable}
    assert {"gitlab-token-scopes", "gitlab-token-lifetime", "gitlab-token-access-level"} <= not_applicable


def test_remediation_clamps_and_keeps_provider(analyzer) -> None:
    configure(analyzer, **{"gitlab-token-lifetime": (analyzer_pb2.REMEDIATE, {})})
    rotation = {"expiration_days": 200, "rotate_before_days": 7}
    props = {**token_props(PROJECT, rotation_configuration=rotation), "__provider": secret("pickled")}
    request = analyzer_pb2.AnalyzeRequest(type=PROJECT, properties=struct(props), urn=URN, name="deploy-token")
    response = analyzer.Remediate(request)
    (remediation,) = response.remediations
    assert remediation.policyName == "gitlab-token-lifetime"
    fixed = dict(remediation.properties)
    assert fixed["rotation_configuration"]["expiration_days"] == 90
    assert dict(fixed["__provider"]) == secret("pickled")


def test_plugin_info(analyzer) -> None:
    assert isinstance(analyzer.GetPluginInfo(empty_pb2.Empty()), plugin_pb2.PluginInfo)

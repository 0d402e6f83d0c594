"""GitLab 19.x reports fine-grained tokens with ``scopes: ["granular"]``: reading one crashes nothing.

The provider validates scopes on input, against the catalogue, which has no
``granular``; what GitLab reports back is read as it is. The policy pack sees
such a token's outputs at refresh (the stack policy) and its props (the resource
policies); each may report it, none may raise.
"""

from __future__ import annotations

import datetime as dt

import gitlab_token_policies as pack
from policy_harness import validate, validate_stack
from pulumi.dynamic import Config, ConfigureRequest
from pulumi_policy import ResourceValidationPolicy
from support.sandbox import running_sandbox

from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider


def test_a_token_reported_with_granular_scopes_is_read_and_checked_without_a_crash() -> None:
    with running_sandbox(extra_args=["--gitlab-version", "19.2"]) as sb:
        group = sb.create_group("acme")
        project = sb.create_project("app", group["id"])
        expires = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()
        made = sb.api("POST", f"/projects/{project['id']}/access_tokens",
                      {"name": "fine", "scopes": ["granular"], "expires_at": expires}, expect=201)
        assert made["scopes"] == ["granular"] and made["granular"] is False

        provider = ProjectAccessTokenProvider()
        provider.configure(ConfigureRequest(Config({"gitlab:baseUrl": sb.base_url,
                                                    "gitlab:token": sb.admin_token}, "infra")))
        read = provider.read(f"acme/app:{made['id']}", {"project": "acme/app", "token_id": float(made["id"])})
        assert read.id == f"acme/app:{made['id']}"
        assert read.outs["scopes"] == ["granular"] and read.outs["token_id"] == made["id"]

    # What the policies see: the read outputs as the resource's props and as the stack's outputs.
    props = {key: value for key, value in read.outs.items() if key != "token"}
    for policy in pack.POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            outcome = validate(policy, catalogue.PROJECT_TOKEN_TYPE, props)
            assert all(isinstance(message, str) for message in outcome.violations), policy.name
    scopes = next(p for p in pack.POLICIES if p.name == "gitlab-token-scopes")
    assert any("granular" in message for message in validate(scopes, catalogue.PROJECT_TOKEN_TYPE,
                                                              props).violations)
    expiring = next(p for p in pack.POLICIES if p.name == "gitlab-token-expiring")
    reported = validate_stack(expiring, [(catalogue.PROJECT_TOKEN_TYPE, "fine", read.outs)])
    assert all(isinstance(message, str) for message, _ in reported)

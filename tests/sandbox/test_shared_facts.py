"""The facts the provider's catalogue and the sandbox's model of GitLab both hold, compared.

Each side is written on its own (the catalogue for the provider's previews and
the policy pack, ``gitlab_token_sandbox.rules`` from GitLab's source), so a
mistake on one side is a failure here rather than an agreement in every other test.
"""

from __future__ import annotations

import itertools

from gitlab_token_sandbox import profiles, rules

from pulumi_gitlab_tokens.common import catalogue
from pulumi_gitlab_tokens.rules import user_rules


def test_scopes_of_project_and_group_tokens_agree() -> None:
    assert set(catalogue.RESOURCE_TOKEN_SCOPES) == set(rules.RESOURCE_TOKEN_SCOPES)
    assert len(rules.RESOURCE_TOKEN_SCOPES) == len(set(rules.RESOURCE_TOKEN_SCOPES))


def test_scopes_of_personal_tokens_agree() -> None:
    assert set(catalogue.PERSONAL_TOKEN_SCOPES) == set(rules.PERSONAL_TOKEN_SCOPES)
    assert "read_user" not in rules.RESOURCE_TOKEN_SCOPES and "read_user" in rules.PERSONAL_TOKEN_SCOPES


def test_scopes_of_deploy_tokens_agree() -> None:
    assert catalogue.DEPLOY_TOKEN_SCOPES == rules.DEPLOY_TOKEN_SCOPES


def test_service_account_scopes_are_the_personal_ones_without_the_administrators() -> None:
    # GitLab's service-account endpoint accepts every personal scope; the catalogue leaves out
    # the admin scopes, which act only on an administrator's token.
    assert set(catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES) == set(rules.PERSONAL_TOKEN_SCOPES) - set(rules.ADMIN_SCOPES)


NEWEST = profiles.PROFILES[profiles.DEFAULT_VERSION]


def test_access_levels_and_the_default_agree() -> None:
    # The provider knows the newest GitLab's roles (Security Manager included); older ones refuse it at up.
    assert dict(catalogue.ACCESS_LEVELS) == dict(NEWEST.access_levels)
    assert catalogue.ACCESS_LEVELS[catalogue.DEFAULT_ACCESS_LEVEL] == rules.DEFAULT_TOKEN_ACCESS_LEVEL


def test_the_roles_outside_the_hierarchy_agree() -> None:
    assert set(catalogue.NON_HIERARCHY_LEVELS) == set(rules.NON_HIERARCHY_LEVELS)


def test_the_encompasses_rule_agrees_for_every_pair_of_levels() -> None:
    levels = sorted(NEWEST.access_levels.values())
    disagreements = [(caller, token) for caller, token in itertools.product(levels, levels)
                     if catalogue.may_assign(caller, token) != rules.access_level_encompasses(caller, token)]
    assert disagreements == []


def test_limits_agree() -> None:
    assert catalogue.MAX_LIFETIME_DAYS == rules.MAX_LIFETIME_DAYS
    assert catalogue.ROTATION_DEFAULT_DAYS == rules.ROTATION_DEFAULT_DAYS
    assert catalogue.NAME_MAX_LENGTH == rules.NAME_MAX_LENGTH
    assert catalogue.DESCRIPTION_MAX_LENGTH == rules.DESCRIPTION_MAX_LENGTH
    assert catalogue.TOKEN_PREFIX == rules.TOKEN_PREFIX


def test_the_username_name_and_email_rules_agree() -> None:
    assert user_rules.RESERVED_USERNAMES == frozenset(rules.RESERVED_USERNAMES)
    assert user_rules.RESERVED_USERNAME_PREFIXES == rules.RESERVED_USERNAME_PREFIXES
    assert user_rules.RESERVED_FILE_EXTENSIONS == frozenset(rules.RESERVED_FILE_EXTENSIONS)
    assert (user_rules.USERNAME_MIN_LENGTH, user_rules.USERNAME_MAX_LENGTH) == (rules.USERNAME_MIN_LENGTH,
                                                                                rules.USERNAME_MAX_LENGTH)
    assert user_rules.USER_NAME_MAX_LENGTH == rules.USER_NAME_MAX_LENGTH
    assert user_rules.USERNAME_SHAPE.pattern == rules.OCI_PATH.pattern
    assert user_rules.EMAIL_SHAPE.pattern == rules.EMAIL.pattern


#: Usernames each rule has an opinion on, and some that pass them all.
USERNAMES = ["admin", "api", "Admin", "ci", "-", "duo-x", "Duo_x", "ai-x", "aix", "x.json", "x.JSON", "x.tar.gz",
             "x.git", "x.atom", "x.", ".x", "-x", "x-", "_x", "a__b", "a._b", "a", "ab", "a" * 255, "a" * 256,
             "bad name!", "../../admin", "über", "robot", "ci-bot.2", "x_y-z.w"]


def test_the_username_rules_give_the_same_verdict() -> None:
    differ = [u for u in USERNAMES
              if bool(user_rules.username_problems(u)) != bool([p for p in rules.user_problems(
                  username=u, name="n", email="e@x") if p.startswith("Username")])]
    assert differ == []


def test_the_name_and_email_rules_give_the_same_verdict() -> None:
    for email in ("e@x", "robot@", "@x", "a b@x", "a@b@c", "robot@example.com"):
        sandbox = "Email is invalid" in rules.user_problems(username="ok", name="n", email=email)
        assert bool(user_rules.email_problems(email)) == sandbox, email
    for name in ("CI", "n" * 255, "n" * 256, "a <b> c", "a > b"):
        refused = bool(rules.user_problems(username="ok", name=name, email="e@x"))
        rewritten = rules.sanitized_user_name(name) != name
        assert bool(user_rules.name_problems(name)) == (refused or rewritten), name

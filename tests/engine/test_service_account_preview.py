"""A service account's username and email through the real CLI: `pulumi preview` refuses what GitLab refuses.

Before, `bad name!`, `../../admin`, `robot.git` and `robot@` previewed cleanly and
failed at `pulumi up`. Each now fails the preview naming the field and the fix,
without asking GitLab to create anything; a name GitLab takes previews and is made.
"""

from __future__ import annotations

ACCOUNTS = "POST /api/v4/groups/:id/service_accounts"


def test_preview_refuses_the_usernames_and_emails_gitlab_refuses(gitlab_stack):
    gs = gitlab_stack("service_account")
    sandbox, stack = gs.sandbox, gs.stack
    sandbox.reset_counters()
    for field, value in (("username", "bad name!"), ("username", "../../admin"), ("username", "robot.git"),
                         ("email", "robot@")):
        stack.config_set(field, value)
        failed = stack.preview(check=False)
        assert failed.returncode != 0, failed
        assert f"property {field} value {{{value}}} has a problem: {field} {value!r} would be refused by GitLab" \
            in failed.output, failed
        stack.run("config", "rm", field)
    assert sandbox.counters().get(ACCOUNTS, 0) == 0, "a preview never creates"

    stack.config_set("username", "ci-robot")
    stack.config_set("email", "ci-robot@example.com")
    stack.preview()
    stack.up()
    assert gs.reveal_outputs()["account_id"] > 0
    (account,) = sandbox.api("GET", f"/groups/{gs.group['id']}/service_accounts")
    assert (account["username"], account["email"]) == ("ci-robot", "ci-robot@example.com")
    gs.assert_no_secret_leaks()

"""The pinned Pulumi toolchain works end to end: program, dynamic provider, policy pack."""

from __future__ import annotations

import json
import re

from support.pulumi_cli import PROGRAMS, PulumiStack, pulumi_executable

ECHO_TYPE = "pulumi-python:dynamic/demo:Echo"


def pinned_cli_version() -> str:
    setup_script = (pulumi_executable().parents[2] / "toolchain" / "install-pulumi.sh").read_text()
    return re.search(r'PULUMI_CLI_VERSION="\$\{PULUMI_CLI_VERSION:-([0-9.]+)\}"', setup_script).group(1)


def test_cli_is_the_pinned_version(make_stack):
    stack = make_stack("echo")
    version = stack.run("version").stdout.strip()
    assert version == f"v{pinned_cli_version()}"


def test_about_lists_the_python_language_host_at_the_clis_version(make_stack):
    # Upstream's language host ships with the CLI and reports the CLI's version; ours does the same.
    about = make_stack("echo").run("about").output
    assert re.search(rf"language\s+python\s+{re.escape(pinned_cli_version())}\b", about), about


def test_dynamic_resource_lifecycle(make_stack):
    stack = make_stack("echo")

    up = stack.up()
    assert "+ 2 created" in up.output, up  # the stack and the Echo
    # The harness reads the state from the file backend's checkpoint: the same document the CLI exports.
    assert stack._checkpoint() is not None and stack.export() == json.loads(stack.export_text())
    [echo] = stack.resources(ECHO_TYPE)
    assert echo["id"] == "echo-hello-world"
    assert echo["outputs"]["message"] == "hello-world"
    assert stack.outputs() == {"message": "hello-world"}

    # A second preview must see nothing to do; --expect-no-changes makes the CLI fail otherwise.
    stack.preview("--expect-no-changes")

    refresh = stack.refresh()
    assert "2 unchanged" in refresh.output, refresh
    assert stack.resources(ECHO_TYPE)[0]["outputs"]["message"] == "hello-world"

    destroy = stack.destroy()
    assert "- 2 deleted" in destroy.output, destroy
    assert stack.resources(ECHO_TYPE) == []


def test_mandatory_policy_fails_the_preview(make_stack):
    stack = make_stack("echo")
    preview = stack.preview("--policy-pack", str(PROGRAMS / "deny_echo_pack"), check=False)
    assert preview.returncode != 0, preview
    assert "no-echo" in preview.output, preview
    assert "Echo resources are not allowed here (message 'hello-world')" in preview.output, preview
    assert "mandatory" in preview.output, preview
    # The preview stopped before anything was created.
    assert stack.resources(ECHO_TYPE) == []


def test_stack_files_the_harness_copies_and_writes_are_those_the_cli_makes(make_stack):
    """The harness copies one ``stack init`` per program and writes config, secrets encrypted, to the
    settings file (support/stack_secrets.py): the CLI must read it all as it reads its own."""
    plain = {"message": "a value: with 'quotes', #hashes and ünïcode", "gitlab:baseUrl": "http://127.0.0.1:1",
             "count": "2", "on": "yes"}
    secret = {"gitlab:token": "glpat-harness-check-0123456789"}
    by_cli = make_stack("echo", from_template=False)
    for key, value in plain.items():
        by_cli.run("config", "set", key, "--plaintext", input=value)
    by_cli.run("config", "set", "gitlab:token", "--secret", input=secret["gitlab:token"])

    copies = [make_stack("echo"), make_stack("echo")]
    for stack in copies:
        stack.config_set_all(plain, secret)
        assert stack.transcript == [], "the CLI was started to make or configure the copy"
        # The copy is the stack the CLI works on, as `stack select` would have made it.
        assert stack.run("stack", "--show-name").stdout.strip() == "test"
        assert "test*" in stack.run("stack", "ls").stdout

    def config(stack, *flags: str) -> dict:
        return json.loads(stack.run("config", "--json", *flags, reveals_secrets=bool(flags)).stdout)

    for stack in copies:
        assert config(stack) == config(by_cli)
        assert config(stack, "--show-secrets") == config(by_cli, "--show-secrets")
    assert config(copies[1])["gitlab:token"]["secret"] is True
    copies[1].up()  # the engine decrypts the copied stack's config for the program
    assert copies[1].outputs() == {"message": "hello-world"}


def test_outputs_the_harness_reads_from_the_state_are_those_the_cli_shows(gitlab_stack):
    gs = gitlab_stack()
    gs.stack.up()
    for flags in ([], ["--show-secrets"]):
        shown = json.loads(gs.stack.run("stack", "output", "--json", *flags, reveals_secrets=bool(flags)).stdout)
        assert gs.stack.outputs(show_secrets=bool(flags)) == shown
    assert gs.stack.outputs()["project_token"] == "[secret]"
    assert gs.stack.outputs(show_secrets=True)["project_token"].startswith("glpat-")


def test_the_state_and_outputs_the_harness_reads_from_postgresql_are_those_the_cli_shows(sandbox, postgres, tmp_path):
    """On a PostgreSQL backend the harness reads the state table, as the CLI does, instead of starting it."""
    group = sandbox.create_group("harness-postgres")
    project = sandbox.create_project("app", group["id"])
    stack = PulumiStack(PROGRAMS / "tokens", tmp_path / "stack", extra_env={"PULUMI_BACKEND_URL": postgres.new_database()})
    stack.config_set_all({"gitlab:baseUrl": sandbox.base_url, "project": project["path_with_namespace"],
                          "group": group["full_path"]}, {"gitlab:token": sandbox.admin_token})
    assert stack.outputs() == {}  # nothing yet: the CLI says so too
    stack.up()

    assert stack._checkpoint() is not None  # read from the table
    exported = json.loads(stack.export_text())
    assert stack.export() == exported
    for flags in ([], ["--show-secrets"]):
        shown = json.loads(stack.run("stack", "output", "--json", *flags, reveals_secrets=bool(flags)).stdout)
        assert stack.outputs(show_secrets=bool(flags)) == shown
    assert stack.outputs(show_secrets=True)["project_token"].startswith("glpat-")
    # The secret-hygiene searches read every object of the backend: the checkpoint and its history.
    [token] = [r for r in exported["deployment"]["resources"] if r["type"].endswith(":ProjectAccessToken")]
    ciphertext = token["outputs"]["token"]["ciphertext"]
    assert stack.state_text().count(ciphertext) >= 2, "the checkpoint and its history entry"

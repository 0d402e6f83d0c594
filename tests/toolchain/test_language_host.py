"""The language host `make setup` installs: a Go program serving the CLI's LanguageRuntime, which asks
python_environment.py (one process per host, kept for its lifetime) about the program's Python environment.

The engine tests run every program through it; these check what they cannot see: the answers to
the engine's own requests, the rules' process and its protocol, and how the host stops.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc
from support.pulumi_cli import REPO, VENV_BIN

HOST = VENV_BIN / "pulumi-language-python"
CLI_VERSION = re.search(r'PULUMI_CLI_VERSION:-([0-9.]+)', (REPO / "toolchain" / "install-pulumi.sh").read_text())[1]


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _wait_until_dead(pid: int) -> None:
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid), f"process {pid} is still running"


@contextmanager
def running_host() -> Iterator[tuple[subprocess.Popen, language_pb2_grpc.LanguageRuntimeStub]]:
    """The installed host, started as the CLI starts it (flags, then the engine's address)."""
    proc = subprocess.Popen([str(HOST), "-tracing", "", "127.0.0.1:1"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield proc, language_pb2_grpc.LanguageRuntimeStub(channel)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _info(directory: Path, **options) -> language_pb2.ProgramInfo:
    struct = struct_pb2.Struct()
    struct.update(options)
    return language_pb2.ProgramInfo(root_directory=str(directory), program_directory=str(directory),
                                    entry_point=".", options=struct)


def test_the_host_answers_from_one_rules_process_and_stops_with_it_on_the_engines_signal(tmp_path):
    venv = Path(sys.prefix)
    with running_host() as (proc, host):
        assert host.GetPluginInfo(empty_pb2.Empty()).version == CLI_VERSION
        about = host.About(language_pb2.AboutRequest(info=_info(tmp_path, virtualenv=str(venv))))
        assert about.executable == str(venv / "bin" / "python")
        assert about.version == "{}.{}.{}".format(*sys.version_info[:3])
        [rules] = _children(proc.pid)
        assert "python_environment" in Path(f"/proc/{rules}/cmdline").read_text()

        # A refusal reaches the engine as the request's error, in the rules' words; the same process
        # answers the next request.
        with pytest.raises(grpc.RpcError) as refused:
            host.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=_info(tmp_path, toolchain="conda")))
        assert refused.value.details() == "runtime option toolchain: 'conda' is not supported; use one of pip, poetry, uv"
        missing = tmp_path / "missing"
        run = host.Run(language_pb2.RunRequest(info=_info(tmp_path, virtualenv=str(missing)), pwd=str(tmp_path)))
        assert run.error.startswith(f"The 'virtualenv' option in Pulumi.yaml is set to '{missing}', but '{missing}' "
                                    "does not exist"), run.error
        assert _children(proc.pid) == [rules]

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    _wait_until_dead(rules)


def test_a_rules_process_that_dies_is_replaced_and_one_dying_mid_request_fails_that_request_by_name(tmp_path):
    with running_host() as (proc, host):
        request = language_pb2.AboutRequest(info=_info(tmp_path, virtualenv=sys.prefix))
        host.About(request)
        [rules] = _children(proc.pid)
        os.kill(rules, signal.SIGKILL)  # while idle: the next request gets a new process
        _wait_until_dead(rules)
        assert host.About(request).executable == str(Path(sys.prefix) / "bin" / "python")
        [replacement] = _children(proc.pid)
        assert replacement != rules

        # A "python" whose start kills the rules' process that asked it: that request fails, naming
        # the rules, and the one after it gets a new process again.
        killer = tmp_path / "killer"
        (killer / "bin").mkdir(parents=True)
        (killer / "bin" / "python").write_text("#!/bin/sh\nkill -9 $PPID\n")
        (killer / "bin" / "python").chmod(0o755)
        with pytest.raises(grpc.RpcError, match="python_environment.py.* failed answering about"):
            host.About(language_pb2.AboutRequest(info=_info(tmp_path, virtualenv=str(killer))))
        assert host.About(request).executable == str(Path(sys.prefix) / "bin" / "python")
        assert _children(proc.pid) not in ([rules], [replacement])


def test_the_rules_answer_each_request_in_json_lines_and_keep_childrens_output_out_of_them(tmp_path):
    """python_environment.main: a step's output as base64 pieces, then the result or the error, per request;
    what a process it starts prints goes to stderr, never into the answers."""
    script = (
        "import subprocess, sys; sys.path.insert(0, sys.argv[1]); import python_environment as rules\n"
        "def answer(operation, request, write):\n"
        "    subprocess.run(['echo', 'from a child'])\n"
        "    write('stderr', bytes([0xff, 0x0a]))\n"
        "    return {'operation': operation, 'request': request}\n"
        "rules.answer = answer\n"
        "sys.exit(rules.main())\n"
    )
    requests = [{"operation": "about", "request": {"info": {"root": str(tmp_path)}}}]
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(REPO / "toolchain")],
                          input="".join(json.dumps(r) + "\n" for r in requests) + "not json\n",
                          capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines == [
        {"write": "stderr", "data": "/wo="},
        {"result": requests[0]},
        {"error": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"},
    ]
    assert proc.stderr == "from a child\n"

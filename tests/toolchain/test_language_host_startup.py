"""The language host starts at least once for every CLI command: it loads the SDK's gRPC stubs, not the SDK."""

from __future__ import annotations

import subprocess
import sys

from support.pulumi_cli import VENV_BIN


def test_the_host_loads_the_sdks_protocol_without_the_sdk_itself():
    # Import the installed host as a module (its main() is not run) and list what it loaded.
    probe = ("import importlib.machinery, importlib.util, sys; "
             "loader = importlib.machinery.SourceFileLoader('host', sys.argv[1]); "
             "spec = importlib.util.spec_from_loader('host', loader); host = importlib.util.module_from_spec(spec); "
             "loader.exec_module(host); "
             "print(host.language_pb2.RunRequest.DESCRIPTOR.full_name); "
             "print(sorted(m for m in sys.modules if m.startswith('pulumi.') and not m.startswith('pulumi.runtime.proto')))")
    out = subprocess.run([sys.executable, "-c", probe, str(VENV_BIN / "pulumi-language-python")],
                         cwd=VENV_BIN, capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "pulumirpc.RunRequest"
    assert out[1] == "['pulumi.runtime']", out[1]

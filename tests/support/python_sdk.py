"""The Python SDK generated from the package schema, installed where a test program's Python reads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sdks
from support.installed_package import PIP_FROM_THE_WHEELHOUSE


def installed_python_sdk(work: Path) -> Path:
    """Generate the SDKs into ``work/sdk`` as ``make sdks`` does, ``pip install`` the Python one into
    ``work/site`` and return that directory, for the program's ``PYTHONPATH``."""
    sdks.generate(sdks.package_schema(work / "schema"), work / "sdk")
    site = work / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
                                str(work / "sdk" / "python")], capture_output=True, text=True, timeout=600,
                               env=os.environ | PIP_FROM_THE_WHEELHOUSE)
    assert installed.returncode == 0, f"pip install of the generated Python SDK failed:\n{installed.stderr}"
    return site

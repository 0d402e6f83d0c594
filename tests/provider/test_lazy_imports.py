"""python-gitlab, requests and urllib3 load at the first GitLab call, not before.

Both the program (declaring resources) and the provider process import the
package; a no-op preview (check and diff of a stored token, preview checks
off) makes no GitLab call and so should not pay for those libraries. A fresh
interpreter shows what an import really loads: this test process has them already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from support.sandbox import running_sandbox

from pulumi_gitlab_tokens.common import clock, config_keys
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider

pytestmark = pytest.mark.timeout(120)

NOW = "2026-03-01T12:00:00Z"
NEWS = {"project": "acme/app", "name": "ci", "scopes": ["read_api"], "expires_at": "2026-04-30"}

#: Reads the stored token from stdin; prints which libraries are loaded after each step.
_PROBE = """
import json, sys
LIBRARIES = ("gitlab", "requests", "urllib3")
def loaded():
    return sorted(m for m in LIBRARIES if m in sys.modules)
stored = json.load(sys.stdin)
steps = {}
import pulumi_gitlab_tokens
from pulumi.dynamic import Config, ConfigureRequest
from pulumi_gitlab_tokens.lifecycle.provider import ProjectAccessTokenProvider
steps["import"] = loaded()
provider = ProjectAccessTokenProvider()
provider.configure(ConfigureRequest(Config(stored["config"], "infra")))
checked = provider.check(stored["inputs"], dict(stored["inputs"]))
diff = provider.diff(stored["id"], stored["outs"], checked.inputs)
steps["no-op preview"] = loaded()
steps["changes"] = bool(checked.failures) or bool(diff.changes)
found = provider.read(stored["id"], stored["outs"])
steps["read"] = loaded()
steps["read found"] = found.id == stored["id"]
print(json.dumps(steps))
"""


def test_gitlab_libraries_load_at_the_first_call_not_at_import_or_a_no_op_preview(monkeypatch):
    monkeypatch.setenv(clock.TESTING_TIME_ENV, NOW)
    with running_sandbox() as sandbox:
        sandbox.set_time(NOW)
        group = sandbox.create_group("acme")
        sandbox.create_project("app", group["id"])
        config = {"gitlab:baseUrl": sandbox.base_url + "/api/v4", "gitlab:token": sandbox.admin_token}
        provider = ProjectAccessTokenProvider()
        provider.configure(ConfigureRequest(Config(config, "infra")))
        inputs = provider.check({}, dict(NEWS)).inputs
        created = provider.create(inputs)

        env = {**os.environ, clock.TESTING_TIME_ENV: NOW, config_keys.PREVIEW_CHECKS_ENV: "false"}
        stored = {"config": config, "inputs": inputs, "id": created.id, "outs": created.outs}
        probe = subprocess.run([sys.executable, "-c", _PROBE], input=json.dumps(stored), env=env,
                               capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr[-2000:].replace(sandbox.admin_token, "<credential>")
    steps = json.loads(probe.stdout)
    assert steps["import"] == []
    assert steps["no-op preview"] == []
    assert steps["changes"] is False  # the preview really was a no-op
    assert steps["read"] == ["gitlab", "requests", "urllib3"]
    assert steps["read found"] is True

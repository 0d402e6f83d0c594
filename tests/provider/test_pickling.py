"""``pickling.pickler_restored``: a program may declare thousands of our resources.

The SDK's ``serialize_provider`` is what every dynamic resource's constructor
calls; calling it 1,500 times here is what a program declaring 1,500 tokens does.
"""

from __future__ import annotations

import importlib.metadata
import pickle
import subprocess
import sys

import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_gitlab_tokens.common.pickling import pickler_restored

DECLARATIONS = 1500


class _Named(ResourceProvider):
    """A provider with state, as ours has (its stack and resource): pickling it pickles a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.owner, self.resource = "org/project/stack", "pulumi-python:dynamic/gitlab:ProjectAccessToken::t"


def test_serializing_many_providers_keeps_the_pickler_as_it_was() -> None:
    original = pickle._Pickler._batch_setitems, pickle._Pickler.save_dict
    provider = _Named()
    first = None
    for _ in range(DECLARATIONS):
        with pickler_restored():
            serialized = serialize_provider(provider)
        first = first or serialized
        assert serialized == first  # still the stable, sorted form the SDK wants
    assert (pickle._Pickler._batch_setitems, pickle._Pickler.save_dict) == original


def test_without_it_this_sdk_fails_past_about_960_declarations() -> None:
    # The control, in a fresh interpreter (it leaves the pickler broken): on SDKs that restore
    # the pickler themselves (3.276 on) this passes too, and pickler_restored is then redundant.
    probe = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "from pulumi.dynamic import ResourceProvider\n"
        "class Named(ResourceProvider):\n"
        "    def __init__(self):\n"
        "        super().__init__(); self.owner, self.resource = 'o/p/s', 'r'\n"
        "p = Named()\n"
        f"for i in range({DECLARATIONS}):\n"
        "    try:\n"
        "        serialize_provider(p)\n"
        "    except RecursionError:\n"
        "        print('failed at', i); break\n"
        "else:\n"
        "    print('fine')\n"
    )
    outcome = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300).stdout
    if tuple(int(p) for p in importlib.metadata.version("pulumi").split(".")[:2]) < (3, 276):
        assert outcome.startswith("failed at"), outcome
    else:
        assert outcome.strip() == "fine", outcome


@pytest.mark.parametrize("module, name", [
    ("pulumi_gitlab_tokens.provider", "ProjectAccessTokenProvider"),
    ("pulumi_gitlab_tokens.provider", "GroupServiceAccountAccessTokenProvider"),
    ("pulumi_gitlab_tokens.variables", "ProjectVariableProvider"),
    ("pulumi_gitlab_tokens.group_service_account", "GroupServiceAccountProvider"),
    ("pulumi_gitlab_tokens.delivery", "PredecessorRevocationProvider"),
])
def test_state_pickled_before_the_subpackages_still_unpickles(module: str, name: str) -> None:
    """A provider pickled by reference under its former module path resolves to today's class."""

    import pulumi_gitlab_tokens  # noqa: F401  (registers the former paths, as the provider process does)

    loaded = pickle.loads(f"c{module}\n{name}\n.".encode())
    assert loaded.__name__ == name
    assert loaded.__module__.startswith(("pulumi_gitlab_tokens.lifecycle.", "pulumi_gitlab_tokens.variables.",
                                         "pulumi_gitlab_tokens.service_accounts."))

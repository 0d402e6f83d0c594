"""Module paths that existing stacks' state still names, kept importable.

``pulumi.dynamic`` pickles each resource's provider into the state by reference (module
and class name). Stacks created before the package had subpackages name the old
modules, and ``refresh`` and ``destroy`` unpickle the provider from that state.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Final

from .lifecycle import delivery, provider
from .service_accounts import provider as service_account_provider

#: Former module path -> the module now holding its provider classes. (The variable
#: providers' former module is the ``variables`` package, which still exports them.)
FORMER_MODULES: Final[dict[str, ModuleType]] = {
    "pulumi_gitlab_tokens.provider": provider,
    "pulumi_gitlab_tokens.delivery": delivery,
    "pulumi_gitlab_tokens.group_service_account": service_account_provider,
}

for _path, _module in FORMER_MODULES.items():
    sys.modules.setdefault(_path, _module)

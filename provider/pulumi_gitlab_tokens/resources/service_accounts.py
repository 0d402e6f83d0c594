"""The service account resources' base, :class:`ServiceAccountResource`.

The classes (``GroupServiceAccount``, ``ProjectServiceAccount``) and their tokens' are generated
(``resources/_generated.py``, ``make faces``), with pulumi-gitlab's input names. docs/resources.md
shows them in use and who may manage them.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Optional

import pulumi
import pulumi.dynamic

from ..common.pickling import pickler_restored
from ..service_accounts.provider import COMPUTED, ServiceAccountProvider
from .tokens import _backend, _identity, _owner


class ServiceAccountResource(pulumi.dynamic.Resource):
    """The base of ``GroupServiceAccount`` and ``ProjectServiceAccount``: its inputs and computed outputs, its provider named after it."""

    def __init__(self, provider_class: type[ServiceAccountProvider], resource_name: str, args: Any,
                 opts: Optional[pulumi.ResourceOptions]) -> None:
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        for key in COMPUTED:
            props[key] = None
        # The stack and resource, named in the ownership mark of the account's name.
        provider = provider_class(
            _owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts), _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, opts)

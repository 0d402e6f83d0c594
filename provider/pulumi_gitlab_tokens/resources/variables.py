"""The CI/CD variable resources' base, :class:`VariableResource`.

The classes, ``ProjectVariable`` and ``GroupVariable``, are generated (``resources/_generated.py``,
``make faces``), with pulumi-gitlab's input names; ``value`` is always a secret, in the state's
inputs and outputs. docs/resources.md shows how to hand a token on to the jobs that use it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Optional

import pulumi
import pulumi.dynamic

from ..common.pickling import pickler_restored
from ..lifecycle import delivery
from ..variables.inputs import VARIABLE_INPUTS
from ..variables.provider import VariableProvider
from .tokens import _backend, _identity, _owner


class VariableResource(pulumi.dynamic.Resource):
    """The base of ``ProjectVariable`` and ``GroupVariable``: every input is an output too, ``value`` a
    secret in both."""

    def __init__(self, provider_class: type[VariableProvider], resource_name: str, args: Any,
                 opts: Optional[pulumi.ResourceOptions]) -> None:
        props: dict[str, Any] = {f.name: getattr(args, f.name) for f in fields(args)}
        source = delivery.source_of(props.get("value"))
        if source is not None:  # fed from a token under a grace period: record which token's value it holds
            source.ensure_open(resource_name)
            props[delivery.DELIVERED_INPUT] = source.token_id
        if props.get("value") is not None:
            # Secret in the state's inputs too, even when the program passed a plain string.
            props["value"] = pulumi.Output.secret(props["value"])
        for name in VARIABLE_INPUTS:
            props.setdefault(name, None)
        secret_value = pulumi.ResourceOptions(additional_secret_outputs=["value"])
        # The stack and resource, named in the ownership mark of the variable's description.
        provider = provider_class(_owner(), _identity(f"pulumi-python:{self._resource_type_name}", resource_name, opts),
                                  _backend())
        with pickler_restored():  # the SDK's serializer would otherwise fail past ~960 resources
            super().__init__(provider, resource_name, props, pulumi.ResourceOptions.merge(secret_value, opts))
        if source is not None:
            source.add(resource_name, getattr(self, delivery.DELIVERED_INPUT))

"""The native face's functions: the token lists (:mod:`..token_lists`), one per kind, as invokes.

``gitlab-tokens:index:get<Kind>s`` takes the kind's parent and route inputs and
the lists' filters (``state``, ``expiresBefore``, ``name``), and answers
``{tokens: [...]}``, each token as a :class:`~..token_lists.TokenRecord`: no
value, so nothing in the answer is a secret.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final, Mapping

from .. import kinds
from ..kinds.base import TokenKind
from ..resources.token_lists import TokenRecord, configured_list
from .resources import type_token

#: The lists' filters, by their snake_case names (:func:`~..token_lists.list_tokens`).
FILTERS: Final = ("state", "expires_before", "name")
#: The answer's one property: the tokens, by id.
RESULT: Final = "tokens"
#: The fields of one listed token, in the answer's order.
RECORD_FIELDS: Final = tuple(f.name for f in dataclasses.fields(TokenRecord))


@dataclass(frozen=True)
class NativeFunction:
    """One token list of the native face, in snake_case as :func:`~..token_lists.configured_list` takes it."""

    kind: TokenKind

    @property
    def name(self) -> str:
        return f"get{self.kind.resource_name}s"

    @property
    def token(self) -> str:
        return type_token(self.name)

    @property
    def required_inputs(self) -> tuple[str, ...]:
        return (self.kind.parent, *self.kind.route_inputs)

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*self.required_inputs, *FILTERS)

    @property
    def description(self) -> str:
        return (f"The {self.kind.label}s of a {self.kind.parent.replace('_', ' ')}, by id, that pass the filters; "
                f"never a token's value.")

    def call(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The list (GitLab already configured), as the answer's plain snake_case values."""
        given = {key: args.get(key) for key in self.inputs}
        parent = given.pop(self.kind.parent)
        records = configured_list(self.kind, parent, **given)
        return {RESULT: [record.to_dict() for record in records]}


#: Every function of the native face, in schema order.
ALL: Final[tuple[NativeFunction, ...]] = tuple(NativeFunction(kind) for kind in kinds.ALL)

BY_TOKEN: Final[Mapping[str, NativeFunction]] = {function.token: function for function in ALL}

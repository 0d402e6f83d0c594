"""What a token kind is: :class:`TokenKind`, the declaration a kind module fills in, and its fields.

A kind names its routes, inputs and outputs and chooses its parts (:mod:`.parts`). Field parsers
take ``(kind, value)`` and raise ``ValueError`` with the fix (:mod:`..rules.inputs`); comparisons
turn a stored or checked value into something ``==`` can judge (:mod:`..rules.comparisons`).
docs/adding-a-kind.md shows a declaration and what a new kind touches.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, Callable, Final, Mapping

from ..common import catalogue
from . import parts


class OnChange(enum.Enum):
    """What a change of an input does to the token in GitLab."""

    #: A new token replaces the old one (create before delete).
    REPLACE = "replace"
    #: The token is rotated in place to a new expiry (or replaced, for a kind that cannot rotate).
    ROTATE = "rotate"
    #: Only the stored input changes; GitLab is not called.
    IN_PLACE = "in place"
    #: GitLab changes the token in place (one call on the ``update`` route); id and value stay.
    UPDATE = "update"


#: A parser: ``(kind, value) -> normalised value``; raises ``ValueError`` with the fix.
Parser = Callable[["TokenKind", Any], Any]
#: A comparison key: stored or checked value -> what ``==`` compares.
Comparison = Callable[[Any], Any]
#: How an output is read from GitLab's answer: ``(answer, echoed inputs) -> value``;
#: :data:`KEEP` leaves the echoed input as it is.
Reader = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

KEEP: Any = object()

#: The output keeping the token's ownership mark, for a kind that edits the field holding it in place
#: (the edit sends the mark again, without reading the token first).
OWNERSHIP_MARK_OUTPUT: Final = "ownership_mark"

#: The input naming an existing token a resource takes over (see ``lifecycle/adoption.py``).
ADOPT_INPUT: Final = "adopt_token_id"


@dataclass(frozen=True)
class InputField:
    """One input of a kind.

    ``parse`` is ``None`` for the expiry inputs (``expires_at`` and
    ``rotation_configuration``), which are checked and planned together by
    :mod:`pulumi_gitlab_tokens.rules.inputs`.
    """

    name: str
    parse: Parser | None
    on_change: OnChange
    #: The comparison ``diff`` uses (see :mod:`pulumi_gitlab_tokens.rules.comparisons`).
    compare: Comparison
    #: Checked only when given (``None``, or ``""`` when ``empty_is_absent``, skips it).
    optional: bool = False
    empty_is_absent: bool = False
    #: Used when the program gives nothing (before parsing).
    default: Any = None
    #: How the checked value goes into the create request (``None``: it is not sent as it is;
    #: the expiry and the description are sent by recovery, with the planned date and the mark).
    request: Callable[[Any], Any] | None = None
    #: The value ``check`` plans (the expiry date): ``diff`` judges it by the rotation
    #: decision, not by comparing it with GitLab's current value.
    planned: bool = False
    #: Left out of the program, GitLab's value stands (an optional and computed input, as pulumi-gitlab
    #: has them): ``diff`` compares it only when the program gives it, and the state keeps GitLab's.
    gitlab_default: bool = False


@dataclass(frozen=True)
class OutputField:
    """One output GitLab computes or reports back, in the order the state holds them."""

    name: str
    read: Reader
    #: Computed by GitLab only: a program may not set it as an input.
    computed: bool = True
    #: The token's value: GitLab shows it only in a create or rotate answer, so it is
    #: taken from there or kept from the state, never read (``read`` is not called).
    secret: bool = False


@dataclass(frozen=True)
class Routes:
    """The kind's REST routes under ``/api/v4``, ``{parent}`` and ``{id}`` filled in per call.

    ``None`` means GitLab has no such route for the kind; the capabilities
    follow from that (no ``rotate``: a new expiry replaces the token).
    """

    create: str
    #: ``None`` when GitLab has no route for one token: it is then read from the ``list`` route.
    get: str | None
    list: str
    revoke: str
    rotate: str | None = None
    self_rotate: str | None = None
    #: Edits the token in place (the inputs declared :attr:`OnChange.UPDATE`).
    update: str | None = None


@dataclass(frozen=True)
class PulumiGitlabType:
    """pulumi-gitlab's resource type for the same kind, with the inputs of ours its schema lacks
    (its deploy tokens have no ``rotation_configuration``, its service-account tokens no ``description``)."""

    type_token: str
    lacks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TokenKind:
    """A kind of token: its names, routes, inputs and outputs, and the parts it is made of
    (:mod:`.parts`; docs/adding-a-kind.md). A kind module fills in one of these."""

    #: The resource class's name (``ProjectAccessToken``), for messages.
    resource_name: str
    #: The Pulumi type token of the resource.
    type_token: str
    routes: Routes
    #: The name of python-gitlab's manager class for the routes in ``gitlab.v4.objects``
    #: (``"ProjectAccessTokenManager"``), built on its mixins; the endpoints resolve and
    #: drive it (a name, so declaring a kind does not import python-gitlab).
    manager: str
    inputs: tuple[InputField, ...]
    outputs: tuple[OutputField, ...]
    #: Where the token hangs.
    home: parts.Parent
    #: Who may create it.
    creators: parts.Members | parts.RoleCheck | parts.Administrators
    #: How it renews.
    renewal: parts.RotateRoute | parts.Replacement
    #: The kind's name in messages ("project access token").
    label: str
    #: pulumi-gitlab's resource types for the same kind: the policy pack judges them by this kind's facts.
    pulumi_gitlab: tuple[PulumiGitlabType, ...] = ()
    #: The scopes GitLab accepts for this kind, in GitLab's documentation order (none: no scopes).
    scopes: tuple[str, ...] = ()
    #: How messages name the kinds that accept ``scopes`` ("project and group tokens").
    scopes_owner: str = ""
    #: Whose user holds it.
    holder: parts.BotUser | parts.OwnUser | parts.NoUser = parts.BotUser()
    #: How one token is read.
    reading: parts.ById | parts.ByListing = parts.ById()
    #: Where the list route is.
    listing: parts.UnderParent | parts.FilteredBy = parts.UnderParent()
    #: Where the ownership mark lives.
    mark: parts.InDescription | parts.AfterName = parts.InDescription()
    #: How recovery finds the tokens a lost answer may have left.
    finding: parts.ByName | parts.Unnamed = parts.ByName()
    #: How GitLab says the token is gone.
    absence: parts.Absence = parts.Absence()
    #: How long it lives.
    lifetime: parts.CappedLifetime | parts.FreeLifetime | parts.NoExpiry = parts.CappedLifetime()
    #: python-gitlab's manager for the ``create`` route when it is not ``manager``'s path
    #: (a user's tokens are created under the user and managed by id).
    create_manager: str | None = None
    #: Inputs besides the parent that the routes name (``{user_id}``), in route order. They
    #: are part of the resource id too: ``<parent>:<each of these>:<token id>``.
    route_inputs: tuple[str, ...] = ()
    #: GitLab's table the kind's ids are counted in: ids are unique there, not across tables (a pipeline
    #: trigger and a runner may both be id 1; access, personal, service-account and impersonation tokens
    #: are all ``personal_access_tokens``).
    id_table: str = "personal_access_tokens"
    #: The filters the list route applies itself (GitLab's ``access_token_params``); the
    #: list functions send these and filter the rest locally.
    list_filters: frozenset[str] = frozenset({"state", "expires_before", "search"})

    def __post_init__(self) -> None:
        """A part and the route it needs come together."""
        if (self.routes.get is None) != isinstance(self.reading, parts.ByListing):
            raise ValueError(f"{self.resource_name}: read ByListing exactly when there is no get route")
        if (self.routes.rotate is not None) != self.renewal.rotates:
            raise ValueError(f"{self.resource_name}: renew by RotateRoute exactly when there is a rotate route")
        if (self.routes.self_rotate is not None) != self.renewal.self_rotates:
            raise ValueError(f"{self.resource_name}: RotateRoute(self_rotates=True) exactly with a self_rotate route")
        edited = any(f.on_change is OnChange.UPDATE for f in self.inputs)
        if (self.routes.update is not None) != edited:
            raise ValueError(f"{self.resource_name}: inputs change OnChange.UPDATE exactly with an update route")
        if edited and any(f.on_change is OnChange.ROTATE for f in self.inputs):
            # An update applies edits or rotates, not both: an edit due with a rotation would be lost.
            raise ValueError(f"{self.resource_name}: a kind edited in place (OnChange.UPDATE) has no expiry inputs")

    # --- names the parts answer, for messages and routes -----------------------------

    @property
    def parent(self) -> str:
        """The input naming the parent, and GitLab's word for it in messages."""
        return self.home.input

    @property
    def collection(self) -> str:
        return self.home.collection

    @property
    def parent_example(self) -> str:
        return self.home.example

    @property
    def manager_role(self) -> str:
        return self.creators.role

    @property
    def rotates(self) -> bool:
        """GitLab can rotate the token in place; otherwise a new expiry replaces it."""
        return self.renewal.rotates

    @property
    def self_rotates(self) -> bool:
        """The token can rotate itself (``self_rotate`` scope)."""
        return self.renewal.self_rotates

    @property
    def overlaps(self) -> bool:
        """Rotation can overlap: the successor is minted with the create route, the predecessor kept."""
        return self.renewal.overlaps and "rotation_configuration" in self.input_names

    @functools.cached_property
    def has_access_level(self) -> bool:
        return "access_level" in self.input_names

    def token_type(self, lacks: frozenset[str] = frozenset()) -> catalogue.TokenType:
        """The policy pack's facts of the kind, from its parts, for a resource type with its inputs
        but ``lacks`` (pulumi-gitlab's, :attr:`pulumi_gitlab`)."""
        inputs = tuple(name for name in self.input_names if name not in lacks)
        return catalogue.TokenType(
            label=self.label,
            scopes=self.scopes,
            parents=self.holder.name_parents(self),
            family=self.holder.names_listed,
            has_access_level="access_level" in inputs,
            has_description="description" in inputs,
            rotation=self.lifetime.renewal_fact(self.renewal, inputs),
            retention_deletes=self.holder.retention_deletes,
        )

    # --- lookups (cached: a frozen declaration never changes, and diff asks on every call) ---

    @functools.cached_property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.inputs)

    @functools.cached_property
    def computed_outputs(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.outputs if f.computed)

    def inputs_changing(self, on_change: OnChange) -> tuple[InputField, ...]:
        return tuple(f for f in self.inputs if f.on_change is on_change)

    def route(self, name: str, parent: str, token_id: int | str | None = None,
              route_values: Mapping[str, Any] | None = None) -> str:
        """The path of route ``name`` (``create``, ``get``, ...) for ``parent`` (URL-encoded), ``token_id``
        and the :attr:`route_inputs` in ``route_values`` (``:name`` where one is not known yet)."""
        template = getattr(self.routes, name)
        if template is None:
            raise ValueError(f"{self.resource_name} has no {name} route")
        values = route_values or {}
        extra = {key: path_value(values.get(key)) or f":{key}" for key in self.route_inputs}
        return template.format(parent=parent, id=token_id, **extra)

    def resource_id(self, values: Mapping[str, Any], token_id: int) -> str:
        """The resource id, pulumi-gitlab's import id: ``<parent>:<route inputs...>:<token id>``."""
        parent = values[self.parent]
        return ":".join([path_value(parent) or str(parent), *(path_value(values.get(key)) for key in self.route_inputs),
                         str(token_id)])

    @property
    def import_id_form(self) -> str:
        """The form of :meth:`resource_id`: ``<group>:<user_id>:<token id>``."""
        return ":".join(f"<{name}>" for name in (self.parent, *self.route_inputs, "token id"))

    def values_from_id(self, id_: str) -> dict[str, Any]:
        """The parent and the :attr:`route_inputs` an import id (:meth:`resource_id`) names, each parsed by
        its input's parser; ``{}`` when the id has not their number of parts (the read then says so)."""
        parts = (id_ or "").split(":")
        names = (self.parent, *self.route_inputs)
        if len(parts) != len(names) + 1 or not all(parts):
            return {}
        parsers = {field.name: field.parse for field in self.inputs}
        values: dict[str, Any] = {}
        for name, part in zip(names, parts):
            parse = parsers.get(name)
            value: Any = int(part) if part.isdigit() else part
            try:
                values[name] = parse(self, value) if parse is not None else value
            except ValueError:
                return {}
        return values


def path_value(value: Any) -> str:
    """A route input as a path segment: the engine hands numbers back as floats (``54.0`` is ``54``);
    ``""`` for a value not known (absent, or an output of a resource not created yet)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else ""
    if isinstance(value, (int, str)):
        return str(value)
    return ""

"""The dynamic providers of project and group CI/CD variables.

:class:`ProjectVariableProvider` and :class:`GroupVariableProvider` (their shared lifecycle in
:class:`VariableProvider`) serve ``ProjectVariable`` and ``GroupVariable``; like the token
providers they are pickled by reference and keep no setting or credential. docs/resources.md
says what each input's change does and what each operation costs, docs/ownership-variables-and-accounts.md
how a lost answer or a killed run's variable is taken over, docs/rotation-delivery.md what
``delivered_token_id`` records.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Mapping

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import rpc

from .. import kinds
from ..client import gitlab_client
from ..client.gitlab_errors import AnswerLost
from ..common.errors import GitLabTokenError, register_secret
from ..common.reporting import reported
from ..kinds.base import TokenKind
from ..lifecycle import claims, recovery
from ..lifecycle.claims import Declared
from ..lifecycle.stored import PROVIDER_KEY
from ..rules.inputs import is_unknown
from ..rules.ownership import Mark
from .api import VariableApi, is_taken
from .inputs import DEFAULT_ENVIRONMENT_SCOPE, check_variable_inputs, variable_input_keys, variable_resource_name

#: Attributes GitLab changes in place with a PUT.
IN_PLACE: tuple[str, ...] = ("value", "variable_type", "protected", "masked", "raw", "description")
#: Attributes that name the variable: a change makes another variable.
IDENTITY: tuple[str, ...] = ("key", "environment_scope")
#: Recorded in the state only, never sent: which token's value the variable holds (see :mod:`.delivery`).
#: A change is an update: the PUT that sets the new value is what makes the record true.
RECORDED: tuple[str, ...] = ("delivered_token_id",)
#: Fixed at creation by GitLab (``masked_and_hidden`` is a create-only parameter).
CREATE_ONLY: tuple[str, ...] = ("hidden",)


class VariableProvider(Declared, ResourceProvider):
    """Shared lifecycle of a CI/CD variable; subclasses fix the parent kind (project or group).

    Constructed with the declaring stack and resource (:class:`~.claims.Declared`), named in the mark.
    """

    kind: ClassVar[TokenKind]

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise; no API call. Failures name the field and GitLab's rule, never the value."""
        inputs, failures = check_variable_inputs(self.kind, news)
        return CheckResult(inputs, failures)

    @reported("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the state with the checked inputs; no API call."""
        _remember_values(olds, news)
        replaces = [k for k in (self.kind.parent, *IDENTITY, *CREATE_ONLY) if _differs(olds.get(k), news.get(k))]
        changed = bool(replaces) or any(_differs(olds.get(k), news.get(k)) for k in (*IN_PLACE, *RECORDED))
        same_variable = not any(k in replaces for k in IDENTITY)
        return DiffResult(changes=changed, replaces=replaces or None,
                          delete_before_replace=bool(replaces) and same_variable)

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST (see the module docstring when it fails). Id ``"<parent>:<key>:<environment_scope>"``."""
        _remember_values(props)
        parent, key, scope = self._identity(props)
        answer = self._create(VariableApi(self.kind, parent), key, scope, props)
        return CreateResult(f"{parent}:{key}:{scope}", self._outputs(props, answer))

    @reported("refresh")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; a variable deleted outside Pulumi leaves the state."""
        _remember_values(props)
        parent, key, scope = self._locate(id_, props)
        answer = VariableApi(self.kind, parent).get(key, scope)
        if answer is None:
            return ReadResult(None, {})
        current = {k: v for k, v in props.items() if k != PROVIDER_KEY}
        current.update({self.kind.parent: parent, "key": key, "environment_scope": scope})
        return ReadResult(id_, self._outputs(current, answer))

    @reported("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PUT of the in-place attributes; a variable deleted since the last refresh is created again."""
        _remember_values(olds, news)
        parent, key, scope = self._locate(id_, olds)
        api = VariableApi(self.kind, parent)
        answer = api.update(key, scope, self._attributes(news, claims.new_mark(self.claimant(), key)))
        if answer is None:
            answer = self._create(api, key, scope, news)
        return UpdateResult(self._outputs(news, answer))

    @reported("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; a variable already gone counts as deleted."""
        _remember_values(props)
        parent, key, scope = self._locate(id_, props)
        VariableApi(self.kind, parent).delete(key, scope)

    # --- a create GitLab refused as taken, or whose answer was lost -------------------------

    def _create(self, api: VariableApi, key: str, scope: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """POST the variable; on a lost answer or a taken key, take over what this resource left, if anything."""
        owner = self.claimant()
        for attempt in range(recovery.MAX_ATTEMPTS):
            try:
                return api.create(key, self._create_attributes(props, scope, claims.new_mark(owner, key, attempt)))
            except AnswerLost:
                found = api.get(key, scope)
                if found is None:  # not committed, or still in flight: a later POST then finds it taken
                    time.sleep(recovery.RETRY_PAUSE_SECONDS * (attempt + 1))
                    continue
            except GitLabTokenError as err:
                if not is_taken(err):
                    raise
                found = api.get(key, scope)
                if found is None:  # deleted since: post again
                    continue
            return self._take_over(api, key, scope, props, found)
        raise GitLabTokenError(
            f"Creating {self._describe(api, key, scope)} failed {recovery.MAX_ATTEMPTS} times without an answer, "
            f"and GitLab has no such variable. Try again later: if one lands late, the next `pulumi up` takes it "
            f"over (its mark names this resource).")

    def _take_over(self, api: VariableApi, key: str, scope: str, props: Mapping[str, Any],
                   found: Mapping[str, Any]) -> dict[str, Any]:
        """Set again, as ``props`` say, the variable ``found`` at this key and scope - only if its mark is ours."""
        owner = self.claimant()
        if not claims.claimed_by(found.get("description"), owner, key):
            raise GitLabTokenError(
                f"{self._describe(api, key, scope)} already exists, and nothing proves this resource made it: "
                f"{claims.whose(found.get('description'))}. It is left as it is. If it is a leftover of yours, "
                f"delete it in GitLab and run `pulumi up` again; otherwise give this resource another key or "
                f"environment_scope (a resource renamed without `aliases` counts as another resource).")
        if bool(found.get("hidden")) != (props.get("hidden") is True):
            # GitLab cannot hide or unhide in place; the variable is this resource's, so make it anew.
            api.delete(key, scope)
            return api.create(key, self._create_attributes(props, scope, claims.new_mark(owner, key)))
        answer = api.update(key, scope, self._attributes(props, claims.new_mark(owner, key)))
        return answer if answer is not None else self._create(api, key, scope, props)

    # --- helpers ---------------------------------------------------------------------

    def _describe(self, api: VariableApi, key: str, scope: str) -> str:
        return (f"{variable_resource_name(self.kind)} {key!r} (environment_scope {scope!r}) of {self.kind.parent} "
                f"{api.parent!r}")

    def _identity(self, props: Mapping[str, Any]) -> tuple[str, str, str]:
        return (str(props[self.kind.parent]), str(props["key"]),
                str(props.get("environment_scope") or DEFAULT_ENVIRONMENT_SCOPE))

    def _locate(self, id_: str, props: Mapping[str, Any]) -> tuple[str, str, str]:
        """Parent, key and scope from the state, else from the id (scopes may hold ``:``, keys may not)."""
        if props.get(self.kind.parent) and props.get("key"):
            return self._identity(props)
        parts = (id_ or "").split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise GitLabTokenError(f"cannot tell which variable {id_!r} is: expected an id like "
                                   f"'<{self.kind.parent}>:<key>:<environment_scope>'")
        return parts[0], parts[1], parts[2]

    def _attributes(self, props: Mapping[str, Any], mark: Mark | None) -> dict[str, Any]:
        """The in-place attributes as a PUT sends them: the description with the mark."""
        attributes = {k: _sent(k, props.get(k)) for k in IN_PLACE}
        attributes["description"] = claims.with_mark(attributes["description"] or None, mark) or ""
        return attributes

    def _create_attributes(self, props: Mapping[str, Any], scope: str, mark: Mark | None) -> dict[str, Any]:
        attributes = self._attributes(props, mark)
        attributes["environment_scope"] = scope
        if props.get("hidden") is True:
            attributes["masked_and_hidden"] = True
        if attributes["description"] == "":
            del attributes["description"]
        return attributes

    def _outputs(self, inputs: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs, then what GitLab says; a hidden variable's value (never given back) stays the input's."""
        outs = {k: v for k, v in inputs.items() if k in variable_input_keys(self.kind) and v is not None}
        for field in ("key", "variable_type", "environment_scope"):
            if answer.get(field) is not None:
                outs[field] = answer.get(field) or None
        outs["description"] = claims.without_mark(answer.get("description"))
        for flag in ("protected", "masked", "hidden", "raw"):
            if flag in answer:
                outs[flag] = bool(answer[flag])
        if isinstance(answer.get("value"), str) and not answer.get("hidden"):
            outs["value"] = answer["value"]
        if outs.get("description") is None:
            outs.pop("description", None)
        return outs


class ProjectVariableProvider(VariableProvider):
    """Provider of :class:`~pulumi_gitlab_tokens.ProjectVariable`."""

    kind = kinds.PROJECT


class GroupVariableProvider(VariableProvider):
    """Provider of :class:`~pulumi_gitlab_tokens.GroupVariable`."""

    kind = kinds.GROUP


def _remember_values(*props: Mapping[str, Any]) -> None:
    """Register every value this operation handles as a secret before any call can echo it."""
    for each in props:
        if isinstance(each, Mapping):
            value = rpc.unwrap_rpc_secret(each.get("value"))
            if isinstance(value, str):
                register_secret(value)


def _sent(key: str, value: Any) -> Any:
    """An input as GitLab's API takes it: a cleared description as empty, flags as booleans."""
    if key == "description":
        return value or ""
    if key in ("protected", "masked", "raw"):
        return bool(value)
    return value


def _differs(old: Any, new: Any) -> bool:
    if is_unknown(new):
        return True
    old, new = rpc.unwrap_rpc_secret(old), rpc.unwrap_rpc_secret(new)
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old) != bool(new)
    return (old or None) != (new or None)

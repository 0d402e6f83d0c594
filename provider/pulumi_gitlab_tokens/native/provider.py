"""The native provider: each engine call handed to the dynamic face's provider class of the resource.

The adapter only translates: property values (camelCase, floats, secrets,
unknowns) to the plain snake_case dictionaries the provider classes take and
back, the URN to the stack and resource the ownership mark names, and the
provider's own config to the keys :func:`~..gitlab_client.settings_from_config`
reads. Checks, plans, calls, recovery and error messages are the classes' own.

Calls run on an executor of this module's (``GITLAB_TOKENS_PROVIDER_WORKERS``
threads, the dynamic face's setting), so the server serves as many at once as
the engine sends. A preview never calls ``create`` or ``update`` of a class.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Final, Mapping, TypeVar

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime import rpc

from ..client import gitlab_client
from ..common import serving
from ..common.errors import GitLabTokenError, scrub
from ..rules import ownership
from ..rules.inputs import is_unknown
from . import functions, schema
from .names import camel, keys_to_camel, keys_to_snake
from .resources import BY_TOKEN, PACKAGE, NativeResource

T = TypeVar("T")

#: The organization named in the ownership mark when ``gitlab-tokens:organization`` is not set: what a
#: self-managed backend (``file://``, ``s3://``...) calls every stack's organization.
DEFAULT_ORGANIZATION: Final = "organization"
#: The dynamic face's keys outside this package's namespace, read from the provider's own config.
_FOREIGN_NAMESPACE: Final = "gitlab"
_URN_PREFIX: Final = "urn:pulumi:"


class GitLabTokensProvider(Provider):
    """``gitlab-tokens``: the resources of :mod:`.resources`, served by the dynamic face's classes."""

    def __init__(self, workers: int | None = None) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers or serving.configured_workers(),
                                            thread_name_prefix=PACKAGE)
        self._organization = DEFAULT_ORGANIZATION
        #: The backend the CLI resolved, named in the ownership mark (the engine starts the plugin with
        #: the CLI's environment, in the project's directory: :func:`.ownership.backend_identity`).
        self._backend: str | None = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    # --- package -----------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema.schema_json())

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Settings from the provider's config (``gitlab-tokens:*``), falling back to the environment."""
        own = provider_config(request.variables)
        settings = await self._run(gitlab_client.settings_from_config, config_reader(own))
        gitlab_client.configure(settings)
        self._organization = own.get("organization") or DEFAULT_ORGANIZATION
        self._backend = ownership.backend_identity()
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    # --- resources ---------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        resource = _resource(request.urn)
        olds, news = plain(request.old_inputs), plain(request.new_inputs)
        if resource.name_from_resource and news.get("name") is None:
            news["name"] = _urn_parts(request.urn)[3]
        result = await self._run(self._served(resource, request.urn).check, olds, news)
        failures = [CheckFailure(camel(f.property), f.reason) for f in result.failures or []]
        secrets = _secret_keys(resource, request.new_inputs)
        return CheckResponse(inputs=wrapped(result.inputs or {}, secrets), failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        resource = _resource(request.urn)
        olds, news = plain(request.old_state), plain(request.new_inputs)
        result = await self._run(self._served(resource, request.urn).diff, request.resource_id, olds, news)
        replaces = [camel(name) for name in result.replaces or []]
        detailed = {name: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, True) for name in replaces}
        if result.changes:
            for name in resource.inputs:
                if camel(name) not in detailed and _changed(olds.get(name), news.get(name)):
                    detailed[camel(name)] = PropertyDiff(PropertyDiffKind.UPDATE, True)
        return DiffResponse(changes=result.changes, replaces=replaces,
                            delete_before_replace=bool(result.delete_before_replace),
                            diffs=list(detailed), detailed_diff=detailed)

    async def create(self, request: CreateRequest) -> CreateResponse:
        resource = _resource(request.urn)
        props = plain(request.properties)
        secrets = _secret_keys(resource, request.properties)
        if request.preview:
            return CreateResponse(None, wrapped(_planned(resource, props), secrets))
        result = await self._run(self._served(resource, request.urn).create, props)
        return CreateResponse(result.id, wrapped(result.outs, secrets))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """A refresh (the state's properties given), or ``pulumi import`` (none: the id alone)."""
        resource = _resource(request.urn)
        props = plain(request.properties)
        importing = not props
        if importing and resource.kind is not None:
            props = resource.kind.values_from_id(request.resource_id)
            if not props:
                raise GitLabTokenError(f"cannot import {scrub(request.resource_id)!r} as {resource.name}: expected "
                                       f"an id like {resource.kind.import_id_form!r}")
        served = self._served(resource, request.urn)
        result = await self._run(served.read, request.resource_id, props)
        if not result.id:
            return ReadResponse(None, {}, {})
        secrets = _secret_keys(resource, request.properties)
        if not importing:
            return ReadResponse(result.id, wrapped(result.outs, secrets), dict(request.inputs))
        outs, inputs = await self._run(_imported, resource, served, result.outs, plain(request.inputs))
        return ReadResponse(result.id, wrapped(outs, secrets), wrapped(inputs, secrets))

    # --- functions ---------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """A token list (:mod:`.functions`); a bad filter is a failure naming it and the fix."""
        function = functions.BY_TOKEN.get(request.tok)
        if function is None:
            raise GitLabTokenError(f"{request.tok} is not a function of {PACKAGE}; its functions are: "
                                   f"{', '.join(sorted(functions.BY_TOKEN))}")
        try:
            answer = await self._run(function.call, plain(request.args))
        except GitLabTokenError as err:
            return InvokeResponse(failures=[CheckFailure("", err.message)])
        return InvokeResponse(wrapped(answer, set()))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        resource = _resource(request.urn)
        olds, news = plain(request.olds), plain(request.news)
        secrets = _secret_keys(resource, request.olds, request.news)
        if request.preview:
            return UpdateResponse(wrapped(_planned(resource, {**olds, **news}), secrets))
        result = await self._run(self._served(resource, request.urn).update, request.resource_id, olds, news)
        return UpdateResponse(wrapped(result.outs, secrets))

    async def delete(self, request: DeleteRequest) -> None:
        resource = _resource(request.urn)
        await self._run(self._served(resource, request.urn).delete, request.resource_id, plain(request.properties))

    # --- helpers -----------------------------------------------------------------------

    def _served(self, resource: NativeResource, urn: str) -> Any:
        """The dynamic face's provider instance for this resource, knowing its stack and identity."""
        stack, project, qualified_type, name = _urn_parts(urn)
        return resource.provider(ownership.stack_owner(self._organization, project, stack),
                                 f"{qualified_type}::{name}", self._backend)


# --- config ----------------------------------------------------------------------------------


def provider_config(variables: Mapping[str, str]) -> dict[str, str]:
    """The provider's config by key (``baseUrl``), from ``gitlab-tokens:baseUrl`` or the engine's older
    ``gitlab-tokens:config:baseUrl``."""
    own: dict[str, str] = {}
    for full, value in variables.items():
        namespace, _, key = full.partition(":")
        if namespace == PACKAGE and key:
            own[key.removeprefix("config:")] = value
    return own


def config_reader(own: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``get`` for :func:`~..gitlab_client.settings_from_config`: its ``gitlab:<key>`` and
    ``gitlab-tokens:<key>`` are both this provider's ``<key>``; a key it does not have is unset."""

    def get(key: str) -> Any:
        namespace, _, name = key.partition(":")
        if namespace not in (PACKAGE, _FOREIGN_NAMESPACE) or name not in schema.CONFIG:
            return None
        return own.get(name)

    return get


# --- import ----------------------------------------------------------------------------------


def _imported(resource: NativeResource, served: Any, outs: Mapping[str, Any],
              given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An imported resource's outputs and inputs: the inputs as ``check`` answers them, so that the
    program ``pulumi import`` prints previews with no change.

    GitLab tells every input but a token's plan (``rotationConfiguration``): the program's, when it
    imports with the ``import`` resource option, is kept. GitLab never shows a token's value again:
    ``token`` is empty until the resource's next rotation (docs/native-provider.md).
    """
    known = {name: outs[name] for name in resource.inputs if outs.get(name) is not None}
    carried = {name: given[name] for name in ("rotation_configuration", "validate_past_expiration_date")
               if name in resource.inputs and given.get(name) is not None and name not in known}
    inputs = {**known, **carried}
    checked = served.check(inputs, inputs)
    if not checked.failures:
        # Without the ownership generation check plans: the program `pulumi import` prints has no such input,
        # and the next check plans the first generation from an import (docs/ownership.md).
        inputs = {k: v for k, v in checked.inputs.items() if k != ownership.GENERATION_KEY}
    imported = {**outs, **{name: value for name, value in inputs.items() if name in resource.outputs}}
    for name in resource.secrets:
        if resource.kind is not None and imported.get(name) is None:
            imported[name] = ""
    return imported, inputs


# --- values ----------------------------------------------------------------------------------


def plain(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Property values as the provider classes take them: snake_case keys, secrets unwrapped,
    unknowns as the wire's placeholder string (the SDK leaves it as it is), as the dynamic face gets them."""
    return keys_to_snake({key: _plain(value) for key, value in values.items()})


def _plain(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, Computed):
        return rpc.UNKNOWN
    if isinstance(inner, Mapping):
        return {k: _plain(v) for k, v in inner.items()}
    if isinstance(inner, (list, tuple)):
        return [_plain(v) for v in inner]
    return inner


def wrapped(values: Mapping[str, Any], secrets: set[str]) -> dict[str, PropertyValue]:
    """Plain snake_case values as property values, camelCase, the ``secrets`` keys marked secret."""
    return {camel(key): _wrapped(keys_to_camel(value)).with_secret(key in secrets)
            for key, value in values.items()}


def _wrapped(value: Any) -> PropertyValue:
    if is_unknown(value):  # the wire's placeholder: the SDK cannot marshal its own Computed (3.272)
        return PropertyValue(rpc.UNKNOWN)
    if value is None or isinstance(value, (bool, str)):
        return PropertyValue(value)
    if isinstance(value, (int, float)):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({k: _wrapped(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return PropertyValue([_wrapped(v) for v in value])
    raise GitLabTokenError(f"cannot send a {type(value).__name__} to the engine; this is a bug in "
                           f"pulumi-gitlab-tokens, please report it")


def _secret_keys(resource: NativeResource, *maps: Mapping[str, PropertyValue]) -> set[str]:
    """The resource's secrets, and every property the engine sent as (or containing) a secret."""
    given = {camel_key for values in maps for camel_key, value in values.items() if value.contains_secret()}
    return set(resource.secrets) | {key for key in resource.outputs if camel(key) in given}


def _planned(resource: NativeResource, props: Mapping[str, Any]) -> dict[str, Any]:
    """A preview's outputs: the inputs as checked, what GitLab computes unknown."""
    return {**props, **{name: rpc.UNKNOWN for name in resource.computed}}


def _changed(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new


# --- URNs ------------------------------------------------------------------------------------


def _urn_parts(urn: str) -> tuple[str, str, str, str]:
    """``(stack, project, qualified type, name)`` of ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
    parts = urn.removeprefix(_URN_PREFIX).split("::")
    if not urn.startswith(_URN_PREFIX) or len(parts) < 4:
        raise GitLabTokenError(f"cannot read the resource URN {scrub(urn)!r}")
    return parts[0], parts[1], parts[2], "::".join(parts[3:])


def _resource(urn: str) -> NativeResource:
    type_token = _urn_parts(urn)[2].rsplit("$", 1)[-1]
    resource = BY_TOKEN.get(type_token)
    if resource is None:
        raise GitLabTokenError(f"{type_token} is not a resource of {PACKAGE}; its resources are: "
                               f"{', '.join(sorted(BY_TOKEN))}")
    return resource

"""The package schema of the native face, derived from the resource declarations (:mod:`.resources`)
and the token lists (:mod:`.functions`).

Property names are camelCase, as pulumi-gitlab's schema has them; each field's
type and description are declared once, by its snake_case name, in :mod:`..kinds.field_facts`.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from typing import Any, Final, Mapping

from ..kinds import field_facts
from ..kinds.field_facts import PREDECESSOR_TYPE, ROTATION_TYPE
from . import functions
from .functions import NativeFunction
from .names import camel
from .resources import ALL, PACKAGE, NativeResource, type_token

RECORD_TYPE: Final = type_token("TokenRecord")

_STRING: Final = {"type": "string"}
_INTEGER: Final = {"type": "integer"}
_BOOLEAN: Final = {"type": "boolean"}

#: The provider's config, in its own namespace (``gitlab-tokens:<key>``): see docs/native-provider.md.
CONFIG: Final[Mapping[str, tuple[Mapping[str, Any], str, bool]]] = {
    "baseUrl": (_STRING, "GitLab's API URL (`https://gitlab.example.com/api/v4`); else `GITLAB_BASE_URL`.",
                False),
    "token": (_STRING, "The credential; else `GITLAB_TOKEN`.", True),
    "insecure": (_BOOLEAN, "Skip TLS verification.", False),
    "cacertFile": (_STRING, "A CA bundle to verify GitLab's certificate with.", False),
    "retries": (_INTEGER, "How often a failed call is retried.", False),
    "maxTokenLifetimeDays": (_INTEGER, "The instance's maximum token lifetime, when it is not 365 days.", False),
    "previewChecks": (_BOOLEAN, "`false` turns off the checks a preview makes with GitLab before a create.",
                      False),
    "organization": (_STRING, "The stack's organization, named in the ownership mark (the engine does not tell "
                              "a provider); default `organization`, a self-managed backend's.", False),
}


def _described(text: str) -> str:
    """A field's words as the schema has them: the fields they name (`expires_at`) in camelCase."""
    return _NAMED_FIELD.sub(lambda m: f"`{camel(m.group(1))}`" if m.group(1) in field_facts.FIELDS else m.group(0),
                            text)


_NAMED_FIELD: Final = re.compile(r"`([a-z][a-z0-9_]*)`")


def _property(name: str, *, secret: bool) -> dict[str, Any]:
    field = field_facts.facts(name)
    spec = {**field.schema, "description": _described(field.description)}
    if secret:
        spec["secret"] = True
    return spec


def _resource(resource: NativeResource) -> dict[str, Any]:
    secret = set(resource.secrets)
    return {
        "description": resource.description,
        "properties": {camel(n): _property(n, secret=n in secret) for n in resource.outputs},
        "required": [camel(n) for n in resource.outputs
                     if n in resource.required_inputs or n in resource.secrets or n in ("token_id",)],
        "inputProperties": {camel(n): _property(n, secret=n in secret) for n in resource.inputs},
        "requiredInputs": [camel(n) for n in resource.required_inputs],
    }


#: Where a field's resource text does not fit a listed token.
_RECORD_TEXT: Final = {"name": "The token's name.", "description": "The description, without the ownership mark.",
                       "access_level": "The role's name, for kinds that have one.",
                       "expires_at": "The expiry date.", "scopes": "The token's scopes."}


def _function_property(name: str, description: str | None = None) -> dict[str, Any]:
    """A function's input or a listed token's field: its type declared once, in :mod:`..kinds.field_facts`."""
    field = field_facts.function_facts(name)
    return {**field.schema, "description": _described(description or field.description)}


def _function(function: NativeFunction) -> dict[str, Any]:
    return {
        "description": function.description,
        "inputs": {"properties": {camel(n): _function_property(n, field_facts.FILTER_TEXT.get(n)) for n in function.inputs},
                   "required": [camel(n) for n in function.required_inputs]},
        "outputs": {"properties": {functions.RESULT: {"type": "array", "items": {"$ref": f"#/types/{RECORD_TYPE}"},
                                                      "description": "The tokens, by id."}},
                    "required": [functions.RESULT]},
    }


def _record_type() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A token as GitLab lists it, without its value.",
        "properties": {camel(n): _function_property(n, _RECORD_TEXT.get(n)) for n in functions.RECORD_FIELDS},
        "required": ["id", "name", "scopes", "active", "revoked", "managed"],
    }


def _config() -> dict[str, Any]:
    return {key: {**kind, "description": text, **({"secret": True} if secret else {})}
            for key, (kind, text, secret) in CONFIG.items()}


def package_version() -> str:
    try:
        return metadata.version("pulumi-gitlab-tokens")
    except metadata.PackageNotFoundError:
        return "0.0.0"


#: The generated Python SDK's import name, beside this package's own ``pulumi_gitlab_tokens``.
PYTHON_SDK_PACKAGE = "pulumi_gitlab_tokens_native"


def package_schema() -> dict[str, Any]:
    """The whole package schema, as ``GetSchema`` answers it."""
    config = _config()
    return {
        "name": PACKAGE,
        "displayName": "GitLab tokens",
        "version": package_version(),
        "description": "GitLab access tokens, deploy tokens, CI/CD variables and service accounts, rotated on a "
                       "schedule with overlap and revoked on delete.",
        "keywords": ["gitlab", "tokens", "category/utility"],
        "license": "Apache-2.0",
        # The generated Python SDK's module: the default, pulumi_gitlab_tokens, is this package's (docs/sdks.md).
        "language": {"python": {"packageName": PYTHON_SDK_PACKAGE}},
        "config": {"variables": config},
        "provider": {"description": "The gitlab-tokens provider.", "inputProperties": config},
        "types": {
            ROTATION_TYPE: {
                "type": "object",
                "description": "Each `pulumi up` within `rotateBeforeDays` of the expiry renews the token.",
                "properties": {
                    "expirationDays": {"type": "integer", "description": "Lifetime in days of each token."},
                    "rotateBeforeDays": {"type": "integer", "description": "Rotate this many days before expiry."},
                    "gracePeriodDays": {"type": "integer", "description": "Keep the old value working this many "
                                                                          "days after a rotation (overlap)."},
                },
                "required": ["expirationDays", "rotateBeforeDays"],
            },
            PREDECESSOR_TYPE: {
                "type": "object",
                "description": "A token an overlapping rotation superseded.",
                "properties": {"tokenId": {"type": "integer"}, "revokeOn": {"type": "string"}},
                "required": ["tokenId", "revokeOn"],
            },
            RECORD_TYPE: _record_type(),
        },
        "resources": {resource.token: _resource(resource) for resource in ALL},
        "functions": {function.token: _function(function) for function in functions.ALL},
    }


def schema_json() -> str:
    return json.dumps(package_schema(), indent=2, sort_keys=False)

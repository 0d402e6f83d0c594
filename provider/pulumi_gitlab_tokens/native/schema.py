"""The package schema of the native face, derived from the resource declarations (:mod:`.resources`)
and the token lists (:mod:`.functions`).

Property names are camelCase, as pulumi-gitlab's schema has them; each field's
type is declared once here, by its snake_case name, for every resource that has it.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any, Final, Mapping

from ..common import catalogue
from . import functions
from .functions import NativeFunction
from .names import camel
from .resources import ALL, PACKAGE, NativeResource, type_token

ROTATION_TYPE: Final = type_token("RotationConfiguration")
PREDECESSOR_TYPE: Final = type_token("Predecessor")
RECORD_TYPE: Final = type_token("TokenRecord")

_STRING: Final = {"type": "string"}
_INTEGER: Final = {"type": "integer"}
_BOOLEAN: Final = {"type": "boolean"}

#: Each property's schema type and description, by its snake_case name.
FIELDS: Final[Mapping[str, tuple[Mapping[str, Any], str]]] = {
    "project": (_STRING, "The project's numeric id or full path (`acme/app`). Changing it replaces the resource."),
    "group": (_STRING, "The group's numeric id or full path (`acme/platform`). Changing it replaces the resource."),
    "user_id": (_INTEGER, "The user's (or service account's) numeric id."),
    "name": (_STRING, "The name; a token's defaults to the resource's name. Changing it replaces the resource."),
    "scopes": ({"type": "array", "items": _STRING}, "The token's scopes, at least one."),
    "access_level": (_STRING, "The role of the token's bot user, by name (`developer`) or number; "
                              f"default `{catalogue.DEFAULT_ACCESS_LEVEL}`."),
    "description": (_STRING, "The description shown in GitLab. Changing a token's replaces the token."),
    "expires_at": (_STRING, "Fixed expiry date `YYYY-MM-DD`; exclusive with `rotationConfiguration`."),
    "rotation_configuration": ({"$ref": f"#/types/{ROTATION_TYPE}"},
                               "Renew the token automatically; exclusive with `expiresAt`."),
    "validate_past_expiration_date": (_BOOLEAN, "Accepted for pulumi-gitlab compatibility; past dates are "
                                                "always refused at preview."),
    "adopt_token_id": (_INTEGER, "Id of an existing token to adopt (rotate into this resource) instead of "
                                 "creating one; read only at creation."),
    "username": (_STRING, "The username; GitLab makes one up when it is not given."),
    "email": (_STRING, "The service account's email; GitLab makes one up when it is not given."),
    "token": (_STRING, "The token's value: always a secret; GitLab shows it only at creation and rotation."),
    "token_id": (_INTEGER, "GitLab's id of the current token (a rotation changes it, not the resource id)."),
    "active": (_BOOLEAN, "Whether GitLab counts the token as active."),
    "revoked": (_BOOLEAN, "Whether the token was revoked."),
    "expired": (_BOOLEAN, "Whether the deploy token has expired."),
    "created_at": (_STRING, "When GitLab created the token."),
    "impersonation": (_BOOLEAN, "Always true: GitLab's mark of an impersonation token."),
    "predecessors": ({"type": "array", "items": {"$ref": f"#/types/{PREDECESSOR_TYPE}"}},
                     "Tokens an overlapping rotation superseded, still valid until their revoke day."),
    "service_account_id": (_INTEGER, "The service account's user id, for its tokens' `userId`."),
    "key": (_STRING, "The variable's key. Changing it replaces the variable."),
    "value": (_STRING, "The variable's value: always a secret."),
    "variable_type": (_STRING, "`env_var` (default) or `file`."),
    "protected": (_BOOLEAN, "Only protected branches and tags see the variable."),
    "masked": (_BOOLEAN, "GitLab masks the value in job logs (it must follow GitLab's masking rules)."),
    "hidden": (_BOOLEAN, "Masked and hidden in the UI; fixed at creation."),
    "raw": (_BOOLEAN, "GitLab does not expand `$` references in the value."),
    "environment_scope": (_STRING, "The environments that see the variable; default `*`."),
}

#: The token lists' filters and a listed token's fields not in :data:`FIELDS`, by snake_case name.
FUNCTION_FIELDS: Final[Mapping[str, tuple[Mapping[str, Any], str]]] = {
    "state": (_STRING, "`active` or `inactive` (revoked or expired); all when left out."),
    "expires_before": (_STRING, "Only tokens expiring before this date (`YYYY-MM-DD`); tokens without an "
                                "expiry are left out."),
    "id": (_INTEGER, "GitLab's id of the token."),
    "last_used_at": (_STRING, "When the token was last used, if GitLab knows."),
    "managed": (_BOOLEAN, "Whether the token carries an ownership mark of pulumi-gitlab-tokens."),
}

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


def _property(name: str, *, secret: bool) -> dict[str, Any]:
    if name not in FIELDS:
        raise KeyError(f"{name} has no schema type: declare it in native/schema.py's FIELDS")
    kind, description = FIELDS[name]
    spec = {**kind, "description": description}
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


#: Where a field's resource text does not fit a filter or a listed token.
_FILTER_TEXT: Final = {"name": "Only tokens named exactly so.", "user_id": "The user's numeric id.",
                       "project": "The project's numeric id or full path (`acme/app`).",
                       "group": "The group's numeric id or full path (`acme/platform`)."}
_RECORD_TEXT: Final = {"name": "The token's name.", "description": "The description, without the ownership mark.",
                       "access_level": "The role's name, for kinds that have one.",
                       "expires_at": "The expiry date.", "scopes": "The token's scopes."}


def _function_property(name: str, description: str | None = None) -> dict[str, Any]:
    """A function's input or a listed token's field: its type declared once, here or in :data:`FIELDS`."""
    if name not in FUNCTION_FIELDS and name not in FIELDS:
        raise KeyError(f"{name} has no schema type: declare it in native/schema.py's FUNCTION_FIELDS")
    kind, text = FUNCTION_FIELDS[name] if name in FUNCTION_FIELDS else FIELDS[name]
    return {**kind, "description": description or text}


def _function(function: NativeFunction) -> dict[str, Any]:
    return {
        "description": function.description,
        "inputs": {"properties": {camel(n): _function_property(n, _FILTER_TEXT.get(n)) for n in function.inputs},
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

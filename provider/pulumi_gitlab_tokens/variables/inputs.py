"""A CI/CD variable's inputs, checked at preview against everything GitLab would refuse.

:func:`check_variable_inputs` is the body of the variable providers' ``check``.
It never raises and makes no API call. Each problem becomes one
:class:`~pulumi.dynamic.CheckFailure` that names the field, the rule and the
fix - and never quotes ``value``, which is a secret.

GitLab's rules (``Ci::HasVariable``, ``Ci::Maskable``, ``Ci::HidableVariable``,
``HasEnvironmentScope``):

- ``key``: 1 to 255 letters, digits and ``_``;
- a masked (or hidden) value: one line, at least 8 characters, no whitespace;
  unless ``raw``, only letters, digits and ``_ + = / @ : . ~ -`` (its
  expansion could otherwise reveal it);
- ``hidden`` needs ``masked``; neither can be undone in place (see :mod:`.variables`);
- ``environment_scope``: letters, digits, ``- _ / $ { } . *`` and spaces, at most 255;
- ``description``: at most 255 characters, of which the provider's ownership mark takes
  :data:`~.ownership.MARK_ROOM` (see :mod:`.variables`); and here, as for tokens, no control or
  bidirectional formatting character (see :mod:`.characters`);
- ``value``: no NUL (Ruby and the runner's environment end a string there, so a job would get less
  than was set), and at most GitLab.com's plan limits (``ci_variable_value_size`` 128 KiB for
  ``env_var``: Linux's ``MAX_ARG_STRLEN``, past which the value cannot reach a job at all;
  ``ci_variable_file_value_size`` 1 MiB for ``file``), counted in UTF-8 bytes as GitLab does.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Final, Mapping

from pulumi.dynamic import CheckFailure
from pulumi.runtime import rpc

from ..common import characters
from ..kinds.base import TokenKind
from ..rules import ownership, references
from ..rules.inputs import is_unknown

VARIABLE_TYPES: Final = ("env_var", "file")
DEFAULT_ENVIRONMENT_SCOPE: Final = "*"
MAX_KEY_LENGTH: Final = 255
MAX_DESCRIPTION_LENGTH: Final = 255
#: The longest description a user may give: GitLab's limit less the ownership mark's room.
MAX_USER_DESCRIPTION_LENGTH: Final = MAX_DESCRIPTION_LENGTH - ownership.MARK_ROOM
MAX_ENVIRONMENT_SCOPE_LENGTH: Final = 255
MIN_MASKED_LENGTH: Final = 8
#: GitLab.com's plan limits on a value's size in bytes, by ``variable_type``.
MAX_VALUE_BYTES: Final = {"env_var": 128 * 1024, "file": 1024 * 1024}
#: Inputs besides the parent (``project`` or ``group``), as pulumi-gitlab names them.
VARIABLE_INPUTS: Final = ("key", "value", "variable_type", "protected", "masked", "hidden", "raw",
                          "environment_scope", "description", "delivered_token_id")
#: The inputs besides the parent a program must give.
REQUIRED_INPUTS: Final = ("key", "value")
FLAGS: Final = ("protected", "masked", "hidden", "raw")

_KEY = re.compile(r"[A-Za-z0-9_]+")
_MASKED_EXPANDED = re.compile(r"[A-Za-z0-9_+=/@:.~-]*")
_ENVIRONMENT_SCOPE = re.compile(r"[A-Za-z0-9_/${}. *-]+")
#: What GitLab's masking pattern (Ruby's ``\s``) counts as whitespace: ASCII only.
_WHITESPACE = frozenset(" \t\r\n\f\v")


def variable_input_keys(kind: TokenKind) -> tuple[str, ...]:
    return (kind.parent, *VARIABLE_INPUTS)


def variable_resource_name(kind: TokenKind) -> str:
    """``ProjectVariable`` or ``GroupVariable``: the resource class of a variable of ``kind``'s parent."""
    return f"{kind.parent.capitalize()}Variable"


def check_variable_inputs(kind: TokenKind, news: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[CheckFailure]]:
    """The normalised inputs (defaults filled in) and one failure per faulty field."""
    plain = rpc.unwrap_rpc_secret(news)
    given = {k: rpc.unwrap_rpc_secret(v) for k, v in plain.items()} if isinstance(plain, Mapping) else {}
    out: dict[str, Any] = {}
    failures: list[CheckFailure] = []

    def fail(field: str, reason: str) -> None:
        if all(f.property != field for f in failures):
            failures.append(CheckFailure(characters.escape_unsafe(field), characters.escape_unsafe(reason)))

    known = variable_input_keys(kind)
    for name in sorted((k for k in given if k != "__provider" and k not in known and given[k] is not None), key=str):
        fail(str(name), f"{name} is not an input of {variable_resource_name(kind)}; the inputs are: "
                        f"{', '.join(known)}")

    for field, parse in ((kind.parent, lambda v: references.parse_reference(kind, v)), ("key", _parse_key),
                         ("variable_type", _parse_variable_type), ("environment_scope", _parse_environment_scope),
                         ("description", _parse_description), ("delivered_token_id", _parse_delivered_token_id),
                         *((flag, _flag_parser(flag)) for flag in FLAGS)):
        value = given.get(field)
        if is_unknown(value):
            out[field] = value
            continue
        try:
            out[field] = parse(value)
        except ValueError as err:
            fail(field, str(err))

    value = given.get("value")
    if value is None:
        fail("value", "value is required: the variable's value (pass it as a secret, e.g. a token's output)")
    elif not is_unknown(value) and not isinstance(value, str):
        fail("value", f"value must be a string, not {type(value).__name__}")
    elif isinstance(value, str) and not is_unknown(value):
        problem = value_problem(value, out.get("variable_type"))
        if problem:
            fail("value", problem)
    out["value"] = value

    hidden, masked = out.get("hidden"), out.get("masked")
    if hidden is True:
        if given.get("masked") is False:
            fail("masked", "masked must be true when hidden is true: GitLab only hides masked variables "
                           "(leave masked unset or set it to true)")
        elif masked is not True and not is_unknown(masked):
            out["masked"] = masked = True
    if (masked is True or hidden is True) and isinstance(value, str) and not is_unknown(out.get("raw")):
        problem = masking_problem(value, raw=out.get("raw") is True)
        if problem:
            fail("value", problem)
    return out, failures


def value_problem(value: str, variable_type: Any) -> str | None:
    """Which of GitLab's rules for any value ``value`` breaks, in words that never quote it."""
    if "\0" in value:
        return (f"value contains a NUL character (U+0000) at position {value.index(chr(0))}; GitLab and the "
                f"runner end the value there, so a job would get less than was set: remove it, or encode "
                f"the value (base64)")
    kind = variable_type if variable_type in MAX_VALUE_BYTES else VARIABLE_TYPES[0]
    limit = MAX_VALUE_BYTES[kind]
    size = len(value) if len(value) * 4 <= limit else len(value.encode("utf-8", "surrogatepass"))
    if size > limit:
        return (f"value is {size} bytes long; GitLab's limit for a {kind} variable is {limit} bytes "
                f"({limit // 1024} KiB, the plan limit ci_variable{'_file' if kind == 'file' else ''}_value_size)"
                + ("; use variable_type = \"file\" (1 MiB) for a bigger value" if kind == "env_var" else
                   "; keep big files out of CI/CD variables (a package or the secure files of the project)"))
    return None


def masking_problem(value: str, *, raw: bool) -> str | None:
    """Which of GitLab's rules for masked values ``value`` breaks, in words that never quote it."""
    what = "the value of a masked variable"
    if "\n" in value or "\r" in value:
        return f"{what} must be a single line (GitLab cannot mask a value across lines)"
    if len(value) < MIN_MASKED_LENGTH:
        return (f"{what} must be at least {MIN_MASKED_LENGTH} characters long; this one has {len(value)} "
                f"(GitLab's rule, so that masking cannot reveal it by elimination)")
    if any(ch in _WHITESPACE for ch in value):
        return f"{what} must not contain spaces or other whitespace (GitLab's rule)"
    if not raw and not _MASKED_EXPANDED.fullmatch(value):
        return (f"{what} may contain only letters, digits and the characters _ + = / @ : . ~ - unless it is raw "
                f"(GitLab's rule for values that are expanded); set raw = true to allow any character but "
                f"whitespace, or encode the value (base64)")
    return None


def _parse_key(value: Any) -> str:
    if value is None:
        raise ValueError("key is required: the variable's name, like DEPLOY_TOKEN")
    if not isinstance(value, str):
        raise ValueError(f"key must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError("key is empty: give the variable a name, like DEPLOY_TOKEN")
    if len(value) > MAX_KEY_LENGTH:
        raise ValueError(f"key is {len(value)} characters long; GitLab allows at most {MAX_KEY_LENGTH}")
    if not _KEY.fullmatch(value):
        raise ValueError(f"key {value!r} may contain only letters, digits and '_' (GitLab's rule), like DEPLOY_TOKEN")
    return value


def _parse_variable_type(value: Any) -> str:
    if value is None:
        return VARIABLE_TYPES[0]
    if value not in VARIABLE_TYPES:
        raise ValueError(f"variable_type {value!r} is not valid; use one of: {', '.join(VARIABLE_TYPES)}")
    return str(value)


def _parse_environment_scope(value: Any) -> str:
    if value is None:
        return DEFAULT_ENVIRONMENT_SCOPE
    if not isinstance(value, str) or not value.strip():
        raise ValueError("environment_scope must be a non-empty string, like '*' (every environment) or 'production'")
    value = value.strip()  # as GitLab stores it: the state then names the variable GitLab holds
    if len(value) > MAX_ENVIRONMENT_SCOPE_LENGTH:
        raise ValueError(f"environment_scope is {len(value)} characters long; GitLab allows at most "
                         f"{MAX_ENVIRONMENT_SCOPE_LENGTH}")
    if not _ENVIRONMENT_SCOPE.fullmatch(value):
        raise ValueError(f"environment_scope {value!r} may contain only letters, digits, spaces and - _ / $ {{ }} . * "
                         f"(GitLab's rule)")
    return value


def _parse_description(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"description must be a string, not {type(value).__name__}")
    if len(value) > MAX_USER_DESCRIPTION_LENGTH:
        raise ValueError(f"description is {len(value)} characters long; at most {MAX_USER_DESCRIPTION_LENGTH} "
                         f"fit (GitLab allows {MAX_DESCRIPTION_LENGTH}, and the provider's ownership mark takes "
                         f"{ownership.MARK_ROOM}): shorten it")
    characters.refuse_unsafe("description", value)
    return value


def _parse_delivered_token_id(value: Any) -> int | None:
    """Set by the resource from the token the value comes from (see :mod:`.delivery`), never by hand."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 1:
        raise ValueError("delivered_token_id must be a token id (a positive whole number); it is set from the "
                         "token the value comes from, leave it unset")
    return int(value)


def _flag_parser(name: str) -> Callable[[Any], bool]:
    def parse(value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, not {type(value).__name__}")
        return value

    return parse

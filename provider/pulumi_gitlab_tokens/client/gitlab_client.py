"""GitLab's address and credential (the settings), and the one python-gitlab client per process.

Settings live in this module, per process, never on the provider object, which is pickled into the
state; ``configure`` fills them from stack config, else the environment. The client is made lazily,
shared by every resource and thread, and sends every request through
:class:`~.transport.GitLabSession`, with python-gitlab's own retries off (:data:`NO_LIBRARY_RETRIES`).
python-gitlab, ``requests`` and ``urllib3`` load only then (why: docs/limits.md).
"""

from __future__ import annotations

import dataclasses
import os
import ssl
import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..common import catalogue, config_keys
from ..common.config_keys import BASE_URL_ENV, TOKEN_ENV
from ..common.errors import CredentialMissingError, GitLabTokenError, register_secret
from .retry_limits import DEFAULT_RETRIES

if TYPE_CHECKING:
    import gitlab

DEFAULT_BASE_URL = "https://gitlab.com"

REQUEST_TIMEOUT_SECONDS = 30.0

# python-gitlab's own retries stay off: its waits are uncapped (``Retry-After:
# 3600`` sleeps an hour) and the transport retries by the rules above.
NO_LIBRARY_RETRIES: dict[str, Any] = {"obey_rate_limit": False, "retry_transient_errors": False, "max_retries": 0}



@dataclasses.dataclass(frozen=True)
class Settings:
    """Where GitLab is and how to authenticate. The token never appears in ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    token: str | None = dataclasses.field(default=None, repr=False)
    ssl_verify: bool | str = True
    max_lifetime_days: int = catalogue.MAX_LIFETIME_DAYS
    timeout: float = REQUEST_TIMEOUT_SECONDS
    retries: int = DEFAULT_RETRIES
    #: Ask GitLab at preview whether each token about to be created can be (see :mod:`.preview_checks`).
    preview_checks: bool = True
    #: ``gitlab-tokens:ownershipKey``: the secret keying the ownership mark, when not the credential.
    ownership_key: str | None = dataclasses.field(default=None, repr=False)


def normalise_base_url(url: str) -> str:
    """``https://host/gitlab/api/v4/`` → ``https://host/gitlab``: python-gitlab adds ``/api/v4``."""
    url = url.strip().rstrip("/")
    if url.endswith("/api/v4"):
        url = url[: -len("/api/v4")]
    return url


def settings_from_config(
    get: Callable[[str], Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from stack config (see :mod:`.config_keys`), falling back to the environment.

    ``get`` is ``pulumi.dynamic.Config.get``: keys with a namespace
    (``gitlab:token``) are looked up as they are. Config values arrive as strings.
    Inside a GitLab CI job with neither ``gitlab:baseUrl`` nor ``GITLAB_BASE_URL``,
    GitLab is the instance running the job (``CI_SERVER_URL``).
    """
    env = os.environ if environ is None else environ
    base_url = (_text(get(config_keys.BASE_URL_KEY)) or _text(env.get(BASE_URL_ENV)) or _ci_server_url(env)
                or DEFAULT_BASE_URL)
    token = _credential(get("gitlab:token"), "gitlab:token") or _credential(env.get(TOKEN_ENV), TOKEN_ENV)
    insecure = _flag(get("gitlab:insecure"), "gitlab:insecure")
    cacert = _text(get("gitlab:cacertFile"))
    if cacert and not insecure:
        _check_ca_bundle(cacert)
    retries = _count(get("gitlab:retries"), "gitlab:retries", DEFAULT_RETRIES)
    ssl_verify: bool | str = False if insecure else (cacert or True)
    return Settings(
        base_url=normalise_base_url(base_url),
        token=token,
        ssl_verify=ssl_verify,
        max_lifetime_days=_max_lifetime_days(get),
        retries=retries,
        preview_checks=_preview_checks(get, env),
        ownership_key=_ownership_key(get),
    )


def _ownership_key(get: Callable[[str], Any]) -> str | None:
    """``gitlab-tokens:ownershipKey``: at least 16 characters, for a key nobody can guess."""
    value = _text(get(config_keys.OWNERSHIP_KEY))
    if value is None:
        return None
    if len(value) < config_keys.OWNERSHIP_KEY_MIN_LENGTH:
        raise GitLabTokenError(
            f"{config_keys.OWNERSHIP_KEY} is {len(value)} characters long; it keys the ownership mark and needs "
            f"at least {config_keys.OWNERSHIP_KEY_MIN_LENGTH}: set a long random one with `pulumi config set "
            f"--secret {config_keys.OWNERSHIP_KEY} \"$(openssl rand -hex 32)\"`")
    return value


def _ci_server_url(env: Mapping[str, str]) -> str | None:
    """The instance a GitLab CI job runs on, when this process runs in one."""
    if str(env.get(config_keys.GITLAB_CI_ENV, "")).strip().lower() != "true":
        return None
    return _text(env.get(config_keys.CI_SERVER_URL_ENV))


def _max_lifetime_days(get: Callable[[str], Any]) -> int:
    """``gitlab-tokens:maxTokenLifetimeDays``, else the old ``gitlab:maxTokenLifetimeDays``, else 365.

    The old key is still honoured; the program warns about it (see ``resources``),
    since the provider process has no way to show a warning.
    """
    key = config_keys.MAX_LIFETIME_KEY
    raw = get(key)
    if raw in (None, ""):
        key, raw = config_keys.LEGACY_MAX_LIFETIME_KEY, get(config_keys.LEGACY_MAX_LIFETIME_KEY)
    if raw in (None, ""):
        return catalogue.MAX_LIFETIME_DAYS
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise GitLabTokenError(
            f"{key} is {raw!r}; set it to a whole number of days, "
            f"like `pulumi config set {config_keys.MAX_LIFETIME_KEY} 400`"
        ) from None
    if days < 1:
        raise GitLabTokenError(f"{key} must be at least 1")
    return days


def _preview_checks(get: Callable[[str], Any], env: Mapping[str, str]) -> bool:
    """``gitlab-tokens:previewChecks``, else ``GITLAB_TOKENS_PREVIEW_CHECKS``; on unless one says false."""
    for source, raw in ((config_keys.PREVIEW_CHECKS_KEY, get(config_keys.PREVIEW_CHECKS_KEY)),
                        (config_keys.PREVIEW_CHECKS_ENV, env.get(config_keys.PREVIEW_CHECKS_ENV))):
        if raw not in (None, ""):
            return _flag(raw, source)
    return True


def _check_ca_bundle(path: str) -> None:
    """Load ``gitlab:cacertFile`` now, so a bad one is named at configure, not at the first request."""
    problem = None
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        problem = "does not exist"
    except IsADirectoryError:
        problem = "is a directory, not a file"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except (ssl.SSLError, OSError, ValueError) as err:
        problem = f"is not a PEM bundle of CA certificates ({type(err).__name__})"
    if problem:
        raise GitLabTokenError(
            f"gitlab:cacertFile {path!r} {problem}; point it at the PEM file of the certificate authority "
            f"that signed GitLab's certificate (`pulumi config set gitlab:cacertFile /path/to/ca.pem`)"
        )


def _count(value: Any, key: str, default: int) -> int:
    """A whole number of at least 0 from config, or ``default`` when unset."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not text.isdigit() or len(text) > 3:
        raise GitLabTokenError(f"{key} is {value!r}; set it to a whole number from 0 to 999, like 6")
    return int(text)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _credential(value: Any, source: str) -> str | None:
    """The credential from ``source``, stripped like every other setting (``echo`` adds a newline).

    One with whitespace or control characters inside cannot be sent as a
    header: requests would refuse it with the value in its message. So it is
    refused here, by where it came from, never by its value.
    """
    token = _text(value)
    if token is not None and any(ch.isspace() or not ch.isprintable() for ch in token):
        raise GitLabTokenError(
            f"{source} contains whitespace or control characters inside the token; set it to the token "
            f"alone (for example `pulumi config set --secret gitlab:token` and paste just the value)"
        )
    return token


def _flag(value: Any, key: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise GitLabTokenError(f"{key} is {value!r}; set it to true or false")


# --- the process-wide holder ------------------------------------------------------


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.settings: Settings | None = None
        self.client: gitlab.Gitlab | None = None


_holder = _Holder()


def configure(settings: Settings) -> None:
    """Use ``settings`` for every later call in this process (drops the old client)."""
    if settings.token:
        register_secret(settings.token)
    if settings.ownership_key:
        register_secret(settings.ownership_key)
    with _holder.lock:
        if settings != _holder.settings:
            _holder.settings = settings
            _holder.client = None


def current_settings() -> Settings:
    """The configured settings, or settings from the environment if none were configured."""
    with _holder.lock:
        if _holder.settings is not None:
            return _holder.settings
    settings = settings_from_config(lambda _key: None)
    configure(settings)
    return settings


def id_space(table: str) -> str:
    """Where ids of GitLab's ``table`` are unique, for :func:`~..rules.ownership.hold`: that table of the
    configured GitLab (a pipeline trigger and a runner may both have id 1, a token and a user too)."""
    return f"{current_settings().base_url} {table}"


def reset() -> None:
    """Forget settings and client (tests)."""
    with _holder.lock:
        _holder.settings = None
        _holder.client = None


def admin_client() -> gitlab.Gitlab:
    """The shared client authenticated with the configured credential."""
    settings = current_settings()
    with _holder.lock:
        if _holder.client is None:
            if not settings.token:
                raise CredentialMissingError()
            _holder.client = _new_client(settings, settings.token)
        return _holder.client


def has_admin_credential() -> bool:
    return bool(current_settings().token)


def token_client(token: str) -> gitlab.Gitlab:
    """A client authenticated with a resource token itself (self-rotation); not cached."""
    register_secret(token)
    return _new_client(current_settings(), token)


def _new_client(settings: Settings, token: str) -> gitlab.Gitlab:
    import gitlab  # here, not at import: see the module's docstring

    from . import transport

    ssl_verify = settings.ssl_verify
    if ssl_verify is True:
        # What requests would read from the environment itself, had we left trust_env on.
        ssl_verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return gitlab.Gitlab(
        url=settings.base_url,
        private_token=token,
        ssl_verify=ssl_verify,
        timeout=settings.timeout,
        user_agent=f"pulumi-gitlab-tokens python-gitlab/{gitlab.__version__}",
        session=transport.GitLabSession(settings.base_url, retries=settings.retries),
        # Follow pagination at the configured address: GitLab's Link headers use its
        # external_url, which behind a proxy or port forward is not reachable from here.
        keep_base_url=True,
    )



def read_path(path: str) -> Any:
    """``GET /api/v4{path}`` with the credential, retried like every read; the decoded JSON.

    Failures leave untranslated: the caller reports them with
    :func:`.gitlab_errors.translate` on the route they stand for
    (:mod:`.preview_checks` foretells what a create would answer, and says it as the create would).
    """
    return admin_client().http_get(path, **NO_LIBRARY_RETRIES)

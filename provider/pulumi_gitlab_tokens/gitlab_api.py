"""Talking to GitLab: settings, the shared client, retries, and readable errors.

Settings live in this module, per process, never on the provider object: the
provider object is pickled into the state (``__provider``), the module is not.
``ResourceProvider.configure`` fills them from stack config; when it has not
run (direct use, tests) they come from the environment.

One python-gitlab client per process is created lazily and shared by every
resource and thread; python-gitlab's ``requests`` session is safe for that.

Every request goes through :class:`~pulumi_gitlab_tokens.transport.GitLabSession`,
which holds the retry policy (bounded waits, 429 for every call, 5xx and lost
connections for GET and DELETE only), follows no redirect and sends nothing
to any other host; python-gitlab's own retries are off. For the two POSTs
that mint a token (create, rotate) a 5xx or a lost connection is ambiguous -
GitLab may have committed before the answer was lost - so they raise
:class:`AnswerLost` and :mod:`pulumi_gitlab_tokens.recovery` finds out what
happened before trying again.

Every python-gitlab or ``requests`` failure leaves this module as a
:class:`~pulumi_gitlab_tokens.errors.GitLabTokenError` with one line: status,
route, GitLab's message and what to do.
"""

from __future__ import annotations

import dataclasses
import http
import os
import re
import ssl
import threading
import urllib.parse
from typing import Any, Callable, Mapping, TypeVar

import gitlab
import gitlab.base
import gitlab.exceptions
import requests
from gitlab.v4.objects import GroupAccessTokenManager, ProjectAccessTokenManager

from . import catalogue, config_keys, transport
from .config_keys import BASE_URL_ENV, TOKEN_ENV
from .errors import CredentialMissingError, GitLabTokenError, one_line, register_secret, shorten
from .inputs import integral
from .kinds import TokenKind

DEFAULT_BASE_URL = "https://gitlab.com"

REQUEST_TIMEOUT_SECONDS = 30.0
#: Tokens per page when listing (GitLab's maximum).
LIST_PAGE_SIZE = 100
#: Pages listed at most (10,000 tokens of one name).
MAX_LIST_PAGES = 100
SELF_ROTATE_SUFFIX = "/self/rotate"
SELF_INFORMATION_PATH = "/personal_access_tokens/self"

# python-gitlab's own retries stay off: its waits are uncapped (``Retry-After:
# 3600`` sleeps an hour) and the transport retries by the rules above.
_IDEMPOTENT = {"obey_rate_limit": False, "retry_transient_errors": False, "max_retries": 0}
_MINTING = _IDEMPOTENT


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where GitLab is and how to authenticate. The token never appears in ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    token: str | None = dataclasses.field(default=None, repr=False)
    ssl_verify: bool | str = True
    max_lifetime_days: int = catalogue.MAX_LIFETIME_DAYS
    timeout: float = REQUEST_TIMEOUT_SECONDS
    retries: int = transport.DEFAULT_RETRIES
    #: Ask GitLab at preview whether each token about to be created can be (see :mod:`.preview_checks`).
    preview_checks: bool = True


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
    retries = _count(get("gitlab:retries"), "gitlab:retries", transport.DEFAULT_RETRIES)
    ssl_verify: bool | str = False if insecure else (cacert or True)
    return Settings(
        base_url=normalise_base_url(base_url),
        token=token,
        ssl_verify=ssl_verify,
        max_lifetime_days=_max_lifetime_days(get),
        retries=retries,
        preview_checks=_preview_checks(get, env),
    )


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


# --- errors -----------------------------------------------------------------------


class AnswerLost(Exception):
    """A minting POST may or may not have been committed: its answer never arrived.

    ``in_flight`` is true after a timeout: GitLab may still be working on the
    request and commit it later, after any listing the provider makes now.
    """

    def __init__(self, what: str, *, in_flight: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.in_flight = in_flight


_LOST_CONNECTION = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.Timeout,
)


def _status_phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


#: How much of GitLab's message an error shows, after scrubbing.
MESSAGE_LIMIT = 300
#: How much of an answer body is looked at at all (scrubbing is linear in it).
_MESSAGE_READ_LIMIT = 64 * 1024
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def _gitlab_message(err: gitlab.exceptions.GitlabError) -> str:
    """GitLab's message, scrubbed before it is cut (a cut could split a secret past recognition)."""
    message: Any = err.error_message
    if isinstance(message, bytes):
        message = message[:_MESSAGE_READ_LIMIT].decode("utf-8", "replace")
    if isinstance(message, Mapping):
        message = "; ".join(str(v) for v in message.values())
    text = str(message)[:_MESSAGE_READ_LIMIT]
    if text.lstrip()[:1] == "<":
        # An HTML page: a proxy, a login page or a maintenance page, not GitLab's API.
        title = _HTML_TITLE.search(text)
        text = f"an HTML page{f' titled {title.group(1).strip()!r}' if title else ''}, not GitLab's API"
    return shorten(text, MESSAGE_LIMIT) or "(no message)"


def _hint(kind: TokenKind, route: str, status: int, message: str) -> str:
    low = message.lower()
    if route.endswith(SELF_ROTATE_SUFFIX) and status in (401, 405):
        # Authenticated as the token itself: gitlab:token played no part.
        if status == 401:
            return (
                f"GitLab did not accept the token's own value (gitlab:token is not used to self-rotate): it is "
                f"revoked or expired, perhaps rotated outside Pulumi, or belongs to another {kind.parent}. Set "
                f"gitlab:token so the provider rotates by id, then run `pulumi refresh` and `pulumi up`"
            )
        return (
            f"The value in the state is not an access token of this {kind.parent}, so it cannot rotate itself; "
            f"set gitlab:token so the provider rotates by id"
        )
    if status == 401:
        return (
            "Check that gitlab:token (or GITLAB_TOKEN) is valid and not expired or revoked, "
            f"and that its user is {kind.manager_role} (or higher) on the {kind.parent}"
        )
    if status == 403:
        if "insufficient_scope" in low or "scope" in low:
            return "The credential lacks a scope: use a token with the `api` scope"
        return f"The credential may not do this: it needs {kind.manager_role} on the {kind.parent}"
    if status == 404:
        if "access token" in low:
            return "The token no longer exists; run `pulumi refresh` to drop it from the state"
        return (
            f"The {kind.parent} does not exist or the credential cannot see it; check the {kind.parent} "
            f"input and that the credential's user is a member"
        )
    if status == 400:
        if "expires at must be before" in low:
            return (
                "Lower the expiry (expires_at or rotation_configuration.expiration_days), or set "
                f"{config_keys.MAX_LIFETIME_KEY} to your instance's limit so previews catch it"
            )
        if "already revoked" in low:
            return "The token was revoked outside Pulumi; run `pulumi refresh`, then `pulumi up` replaces it"
        if "permission" in low or "cannot delete" in low or "not eligible" in low or "access level" in low:
            return (
                f"The credential's user needs {kind.manager_role} (or higher) on the {kind.parent}, "
                "and a role at least as high as the token's access_level"
            )
        if "does not have a valid value" in low:
            return "This GitLab instance does not accept that value (a scope may be disabled here)"
        if "limit reached" in low:
            return "The instance's token limit is reached: revoke unused tokens"
        return "GitLab rejected the request; fix the input it names"
    if status == 429:
        return (
            f"GitLab kept rate-limiting; the provider waits at most {transport.MAX_RETRY_WAIT_SECONDS:.0f} s at a "
            f"time and {transport.RETRY_BUDGET_SECONDS:.0f} s per call. Try again later or raise the limit"
        )
    if status >= 500:
        return "GitLab failed, also on retries where they are safe; try again later"
    return "See GitLab's message"


def _describe_url(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def translate(kind: TokenKind, route: str, err: BaseException) -> GitLabTokenError:
    """Turn a python-gitlab or requests failure into one readable line."""
    if isinstance(err, GitLabTokenError):
        return err
    if isinstance(err, gitlab.exceptions.GitlabError) and err.response_code is not None:
        status = int(err.response_code)
        message = _gitlab_message(err)
        return GitLabTokenError(
            f"GitLab answered {_status_phrase(status)} on {route}: {message}. "
            f"{_hint(kind, route, status, message)}.",
            status=status,
            gitlab_message=message,
        )
    where = _describe_url(current_settings().base_url)
    if isinstance(err, requests.exceptions.SSLError):
        return GitLabTokenError(
            f"TLS to GitLab at {where} failed on {route}. Point gitlab:cacertFile at the CA bundle "
            f"that signed the server's certificate (or, for a test instance only, set gitlab:insecure true)."
        )
    if isinstance(err, _LOST_CONNECTION):
        return GitLabTokenError(
            f"Could not reach GitLab at {where} on {route} ({type(err).__name__}), even after retries. "
            f"Check gitlab:baseUrl (or GITLAB_BASE_URL) and the network."
        )
    if isinstance(err, gitlab.exceptions.GitlabParsingError):
        return GitLabTokenError(
            f"GitLab's answer on {route} was not usable ({shorten(str(err.error_message), 120)}). "
            f"Check that gitlab:baseUrl points at GitLab itself."
        )
    if isinstance(err, gitlab.exceptions.RedirectError):
        return GitLabTokenError(
            f"GitLab redirected {route}. Set gitlab:baseUrl to the final address (https, no redirect)."
        )
    # Only the exception's type: requests puts request parts (a header's value,
    # the credential among them) into its messages, and the scrubber only knows
    # the forms of a secret it was told about.
    return GitLabTokenError(f"Calling GitLab on {route} failed before an answer: {type(err).__name__}.")


def _is_lost_answer(err: BaseException) -> bool:
    if isinstance(err, requests.exceptions.SSLError):
        return False  # refused before anything was sent
    if isinstance(err, _LOST_CONNECTION) or isinstance(err, gitlab.exceptions.GitlabParsingError):
        return True
    code = getattr(err, "response_code", None)
    return isinstance(err, gitlab.exceptions.GitlabError) and code is not None and int(code) >= 500


T = TypeVar("T")


# --- the access-token endpoints -------------------------------------------------------


class _ParentRef(gitlab.base.RESTObject):
    """A project or group known only by its id or full path: just enough parent for a token manager.

    The manager takes the parent's ``id`` into its path, URL-encoded as python-gitlab
    always does (``acme/app`` becomes ``acme%2Fapp``); this class has no
    sub-managers to build and never calls GitLab.
    """


_TOKEN_MANAGERS: dict[str, type[ProjectAccessTokenManager] | type[GroupAccessTokenManager]] = {
    "projects": ProjectAccessTokenManager,
    "groups": GroupAccessTokenManager,
}


class AccessTokenApi:
    """The access-token endpoints of one project or group (by id or full path).

    Methods return GitLab's JSON as dicts. ``create`` and ``rotate`` raise
    :class:`AnswerLost` when the answer is lost; everything else raises
    :class:`GitLabTokenError`.
    """

    def __init__(self, kind: TokenKind, parent: str) -> None:
        self.kind = kind
        self.parent = parent

    def _manager(self, client: gitlab.Gitlab | None = None) -> Any:
        """python-gitlab's access-token manager of the parent, addressed by its id or path: no lookup.

        Built directly rather than as ``gl.projects.get(parent, lazy=True).access_tokens``:
        a lazy ``Project`` constructs its ~80 sub-managers to hand out one, about
        0.35 ms of CPU per API call (measured in ``make bench``, see benchmarks/results.md).
        """
        gl = client or admin_client()
        parent = _ParentRef(getattr(gl, self.kind.collection), {"id": self.parent}, lazy=True)
        return _TOKEN_MANAGERS[self.kind.collection](gl, parent=parent)

    def route(self, verb: str, suffix: str = "") -> str:
        encoded = urllib.parse.quote(self.parent, safe="")
        return f"{verb} /{self.kind.collection}/{encoded}/access_tokens{suffix}"

    def _call(self, route: str, action: Callable[[], T], *, minting: bool = False) -> T:
        try:
            return action()
        except gitlab.exceptions.GitlabAuthenticationError as err:
            raise translate(self.kind, route, err) from None
        except Exception as err:  # python-gitlab and requests raise many types; all are translated
            if minting and _is_lost_answer(err):
                raise AnswerLost(f"{route}: {type(err).__name__}",
                                 in_flight=isinstance(err, requests.exceptions.ReadTimeout)) from None
            raise translate(self.kind, route, err) from None

    def create(
        self,
        *,
        name: str,
        scopes: list[str],
        access_level: int,
        expires_at: str,
        description: str | None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": name,
            "scopes": list(scopes),
            "access_level": access_level,
            "expires_at": expires_at,
        }
        if description:
            data["description"] = description
        route = self.route("POST")
        created = self._call(
            route, lambda: _minted(self._manager().create(data, **_MINTING).attributes), minting=True
        )
        return _remember(created)

    def get(self, token_id: int) -> dict[str, Any] | None:
        """The token's metadata, or ``None`` when GitLab says the token does not exist.

        A 404 about the project or group itself is an error, not an absence:
        GitLab also answers 404 when the credential cannot see the parent, and
        dropping the token from the state then would orphan it.
        """
        route = self.route("GET", f"/{token_id}")
        try:
            found = self._call(route, lambda: _token_record(self._manager().get(token_id, **_IDEMPOTENT).attributes))
        except GitLabTokenError as err:
            if err.is_token_not_found():
                return None
            raise
        return found

    def list_named(self, name: str) -> list[dict[str, Any]]:
        """Every token of the parent named exactly ``name``, revoked ones included.

        Pages are asked for by number, at most :data:`MAX_LIST_PAGES`: no
        ``Link`` header is followed, so a server that always names a next page
        cannot keep the provider listing forever.
        """
        route = self.route("GET")

        def every_page() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            for page in range(1, MAX_LIST_PAGES + 1):
                # GitLab's largest page: one request for any realistic number of same-named tokens.
                batch = self._manager().list(search=name, page=page, per_page=LIST_PAGE_SIZE, get_all=False,
                                             **_IDEMPOTENT)
                found.extend(_token_record(t.attributes) for t in batch)
                if len(batch) < LIST_PAGE_SIZE:
                    return found
            raise GitLabTokenError(
                f"GitLab listed more than {MAX_LIST_PAGES * LIST_PAGE_SIZE} tokens on {route} for the name "
                f"{name!r}; revoke old ones in GitLab, or give this token a new name"
            )

        return [t for t in self._call(route, every_page) if t.get("name") == name]

    def list_all(self) -> list[dict[str, Any]]:
        """Every token of the parent, revoked ones included (one request per 100 tokens)."""
        route = self.route("GET")
        found = self._call(
            route, lambda: self._manager().list(get_all=True, per_page=LIST_PAGE_SIZE, **_IDEMPOTENT))
        return [dict(t.attributes) for t in found]

    def revoke(self, token_id: int) -> bool:
        """Revoke; ``False`` when GitLab says the token does not exist (nothing to revoke).

        Revoking a revoked token answers 204 again. As in :meth:`get`, a 404
        about the parent stays an error, but one that names the way out: a
        deleted parent would otherwise make every ``pulumi destroy`` fail.
        """
        route = self.route("DELETE", f"/{token_id}")
        try:
            self._call(route, lambda: self._manager().delete(token_id, **_IDEMPOTENT))
        except GitLabTokenError as err:
            if err.is_token_not_found():
                return False
            if err.status == 404:
                raise GitLabTokenError(
                    f"GitLab answered 404 Not Found on {route}: {err.gitlab_message}. The {self.kind.parent} "
                    f"{self.parent!r} was deleted or the credential cannot see it; GitLab answers the same to "
                    f"both, so the provider cannot tell which. Check in GitLab as an administrator: if it is "
                    f"really gone, its tokens went with it, so drop this resource from the state with "
                    f"`pulumi state delete '<urn>'` (`pulumi stack --show-urns` lists them); otherwise give the "
                    f"credential's user access to it again",
                    status=err.status, gitlab_message=err.gitlab_message,
                ) from None
            raise
        return True

    def rotate(self, token_id: int, expires_at: str) -> dict[str, Any]:
        route = self.route("POST", f"/{token_id}/rotate")
        rotated = self._call(
            route,
            lambda: _minted(self._manager().rotate(token_id, expires_at=expires_at, **_MINTING)),
            minting=True,
        )
        return _remember(rotated)

    def self_information(self, token: str) -> dict[str, Any] | None:
        """GitLab's view of ``token``, authenticated as itself; ``None`` when it no longer authenticates.

        ``GET /personal_access_tokens/self`` takes a token of any scope and,
        unlike the rotate routes, has no reuse detection: asking with a
        revoked value is harmless.
        """
        route = f"GET {SELF_INFORMATION_PATH}"
        client = token_client(token)
        try:
            found = self._call(route, lambda: client.http_get(SELF_INFORMATION_PATH, **_IDEMPOTENT))
        except GitLabTokenError as err:
            if err.status == 401:
                return None
            raise
        return dict(found) if isinstance(found, Mapping) else None

    def self_rotate(self, token: str, expires_at: str) -> dict[str, Any]:
        """Rotate authenticated as the token itself (needs its ``self_rotate`` or ``api`` scope)."""
        route = self.route("POST", SELF_ROTATE_SUFFIX)
        client = token_client(token)
        rotated = self._call(
            route,
            lambda: _minted(self._manager(client).rotate("self", expires_at=expires_at, **_MINTING)),
            minting=True,
        )
        return _remember(rotated)


def _token_record(data: Any) -> dict[str, Any]:
    """GitLab's JSON for one access token, checked for the fields every caller relies on.

    A proxy or a misrouted ``gitlab:baseUrl`` can answer 2xx with anything.
    An answer that is not a token is a parsing error: for a POST that may have
    minted, that is as good as a lost answer, which recovery resolves.
    """
    if not isinstance(data, Mapping) or integral(data.get("id")) is None or (
        data.get("user_id") is not None and integral(data.get("user_id")) is None
    ):
        raise gitlab.exceptions.GitlabParsingError(error_message="the answer is not an access token")
    return dict(data)


def _minted(data: Any) -> dict[str, Any]:
    """A create or rotate answer: a token record that carries the new value."""
    record = _token_record(data)
    if not isinstance(record.get("token"), str) or not record["token"]:
        raise gitlab.exceptions.GitlabParsingError(error_message="the answer carries no token value")
    return record


def _remember(answer: dict[str, Any]) -> dict[str, Any]:
    register_secret(answer.get("token"))
    return answer


def read_path(path: str) -> Any:
    """``GET /api/v4{path}`` with the credential, retried like every read; the decoded JSON.

    Failures leave untranslated: the caller reports them with :func:`translate`
    on the route they stand for (:mod:`.preview_checks` foretells what a create
    would answer, and says it as the create would).
    """
    return admin_client().http_get(path, **_IDEMPOTENT)

"""Talking to GitLab: settings, the shared client, retries, and readable errors.

Settings live in this module, per process, never on the provider object: the
provider object is pickled into the state (``__provider``), the module is not.
``ResourceProvider.configure`` fills them from stack config; when it has not
run (direct use, tests) they come from the environment.

One python-gitlab client per process is created lazily and shared by every
resource and thread; python-gitlab's ``requests`` session is safe for that.

Retry policy, in one place:

* 429 is retried for every call, honouring ``Retry-After`` (python-gitlab's
  ``obey_rate_limit``): GitLab's throttles answer before doing any work.
* 5xx, connection errors and timeouts are retried (python-gitlab's
  ``retry_transient_errors``) only for GET and DELETE, which are idempotent
  (revoking twice answers 204 again).
* For the two POSTs that mint a token (create, rotate) those failures are
  ambiguous - GitLab may have committed before the answer was lost - so they
  raise :class:`AnswerLost` and :mod:`pulumi_gitlab_tokens.recovery` finds
  out what happened before trying again.

Every python-gitlab or ``requests`` failure leaves this module as a
:class:`~pulumi_gitlab_tokens.errors.GitLabTokenError` with one line: status,
route, GitLab's message and what to do.
"""

from __future__ import annotations

import dataclasses
import http
import os
import threading
import urllib.parse
from typing import Any, Callable, Mapping, TypeVar

import gitlab
import gitlab.base
import gitlab.exceptions
import requests
import requests.utils
from gitlab.v4.objects import GroupAccessTokenManager, ProjectAccessTokenManager

from . import catalogue
from .errors import CredentialMissingError, GitLabTokenError, one_line, register_secret
from .kinds import TokenKind

BASE_URL_ENV = "GITLAB_BASE_URL"
TOKEN_ENV = "GITLAB_TOKEN"
DEFAULT_BASE_URL = "https://gitlab.com"

#: Retries after 429 or a transient failure; python-gitlab backs off 0.1 s * 2^n
#: (about 6 s in all) or waits ``Retry-After``.
MAX_RETRIES = 6
REQUEST_TIMEOUT_SECONDS = 30.0
#: Tokens per page when listing (GitLab's maximum).
LIST_PAGE_SIZE = 100
SELF_ROTATE_SUFFIX = "/self/rotate"
SELF_INFORMATION_PATH = "/personal_access_tokens/self"

_IDEMPOTENT = {"obey_rate_limit": True, "retry_transient_errors": True, "max_retries": MAX_RETRIES}
_MINTING = {"obey_rate_limit": True, "retry_transient_errors": False, "max_retries": MAX_RETRIES}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where GitLab is and how to authenticate. The token never appears in ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    token: str | None = dataclasses.field(default=None, repr=False)
    ssl_verify: bool | str = True
    max_lifetime_days: int = catalogue.MAX_LIFETIME_DAYS
    timeout: float = REQUEST_TIMEOUT_SECONDS


def normalise_base_url(url: str) -> str:
    """``https://host/gitlab/api/v4/`` → ``https://host/gitlab``: python-gitlab adds ``/api/v4``."""
    url = url.strip().rstrip("/")
    if url.endswith("/api/v4"):
        url = url[: -len("/api/v4")]
    return url


def settings_from_config(
    get: Callable[[str], Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from stack config (pulumi-gitlab's keys), falling back to the environment.

    ``get`` is ``pulumi.dynamic.Config.get``: keys with a namespace
    (``gitlab:token``) are looked up as they are. Config values arrive as strings.
    """
    env = os.environ if environ is None else environ
    base_url = _text(get("gitlab:baseUrl")) or _text(env.get(BASE_URL_ENV)) or DEFAULT_BASE_URL
    token = _credential(get("gitlab:token"), "gitlab:token") or _credential(env.get(TOKEN_ENV), TOKEN_ENV)
    insecure = _flag(get("gitlab:insecure"), "gitlab:insecure")
    cacert = _text(get("gitlab:cacertFile"))
    ssl_verify: bool | str = False if insecure else (cacert or True)
    max_days_raw = get("gitlab:maxTokenLifetimeDays")
    max_days = catalogue.MAX_LIFETIME_DAYS
    if max_days_raw not in (None, ""):
        try:
            max_days = int(str(max_days_raw).strip())
        except ValueError:
            raise GitLabTokenError(
                f"gitlab:maxTokenLifetimeDays is {max_days_raw!r}; set it to a whole number of days, "
                f"like `pulumi config set gitlab:maxTokenLifetimeDays 400`"
            ) from None
        if max_days < 1:
            raise GitLabTokenError("gitlab:maxTokenLifetimeDays must be at least 1")
    return Settings(
        base_url=normalise_base_url(base_url),
        token=token,
        ssl_verify=ssl_verify,
        max_lifetime_days=max_days,
    )


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
        session=_session(settings.base_url),
        # Follow pagination at the configured address: GitLab's Link headers use its
        # external_url, which behind a proxy or port forward is not reachable from here.
        keep_base_url=True,
    )


def _session(base_url: str) -> requests.Session:
    """A requests session that reads the proxy settings from the environment once.

    With ``trust_env`` on, requests scans the whole environment for proxy
    variables on every request: a quarter of a refresh's CPU in the provider
    process, whose environment (the engine's) is large. The environment does
    not change while a provider process lives, so it is read here, once, with
    the same rules (``HTTPS_PROXY``, ``NO_PROXY``...).
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    session.trust_env = False
    return session


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


def _gitlab_message(err: gitlab.exceptions.GitlabError) -> str:
    message: Any = err.error_message
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if isinstance(message, Mapping):
        message = "; ".join(str(v) for v in message.values())
    text = one_line(str(message))
    return text[:300] if text else "(no message)"


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
                "gitlab:maxTokenLifetimeDays to your instance's limit so previews catch it"
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
        return "GitLab kept rate-limiting after several retries; try again later or raise the limit"
    if status >= 500:
        return "GitLab failed after several retries; try again later"
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
            f"GitLab's answer on {route} was not valid JSON. Check that gitlab:baseUrl points at GitLab itself."
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
        created = self._call(route, lambda: self._manager().create(data, **_MINTING), minting=True)
        return _remember(dict(created.attributes))

    def get(self, token_id: int) -> dict[str, Any] | None:
        """The token's metadata, or ``None`` when GitLab says the token does not exist.

        A 404 about the project or group itself is an error, not an absence:
        GitLab also answers 404 when the credential cannot see the parent, and
        dropping the token from the state then would orphan it.
        """
        route = self.route("GET", f"/{token_id}")
        try:
            found = self._call(route, lambda: self._manager().get(token_id, **_IDEMPOTENT))
        except GitLabTokenError as err:
            if err.is_token_not_found():
                return None
            raise
        return dict(found.attributes)

    def list_named(self, name: str) -> list[dict[str, Any]]:
        """Every token of the parent named exactly ``name``, revoked ones included."""
        route = self.route("GET")
        found = self._call(
            route,
            # GitLab's largest page: one request for any realistic number of same-named tokens.
            lambda: self._manager().list(search=name, get_all=True, per_page=LIST_PAGE_SIZE, **_IDEMPOTENT),
        )
        return [dict(t.attributes) for t in found if t.attributes.get("name") == name]

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
            lambda: self._manager().rotate(token_id, expires_at=expires_at, **_MINTING),
            minting=True,
        )
        return _remember(dict(rotated))

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
            lambda: self._manager(client).rotate("self", expires_at=expires_at, **_MINTING),
            minting=True,
        )
        return _remember(dict(rotated))


def _remember(answer: dict[str, Any]) -> dict[str, Any]:
    register_secret(answer.get("token"))
    return answer

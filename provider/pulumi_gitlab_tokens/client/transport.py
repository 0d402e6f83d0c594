"""The HTTP session every GitLab call goes through: where the credential may go, and how long to wait.

Every request, whichever route or client made it: only to ``gitlab:baseUrl``'s origin, no redirect
followed, 429 retried for every method and 5xx or lost connections for all but POST (a POST mints
a token: see :mod:`..lifecycle.recovery`), within a bounded number of retries and time, answers of a
bounded size, and little CPU per call (:meth:`GitLabSession.request`). docs/configuration.md
("Only to gitlab:baseUrl", "Bounded waiting") gives the rules and the limits.
"""

from __future__ import annotations

import datetime
import email.utils
import http
import time
import urllib.parse
from typing import Any, Mapping

import gitlab.exceptions
import requests
import requests.adapters
import requests.hooks
import requests.sessions
import requests.structures
import requests.utils
import urllib3.exceptions

from ..common import serving
from ..common.errors import GitLabTokenError, shorten
from .retry_limits import DEFAULT_RETRIES, MAX_RETRY_WAIT_SECONDS, RETRY_BUDGET_SECONDS

#: First backoff after a 5xx or a lost connection; doubles each retry.
FIRST_BACKOFF_SECONDS = 0.5
#: Largest answer body read (8 MiB).
MAX_ANSWER_BYTES = 8 * 1024 * 1024

_RETRYABLE_5XX = frozenset({500, 502, 503, 504})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "PUT"})
_LOST = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
         requests.exceptions.Timeout)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, lower-cased, with the scheme's default port filled in."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _show_origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "", "", ""))


def suggested_base_url(location: str) -> str:
    """The ``gitlab:baseUrl`` a redirect target implies: everything before ``/api/v4``, else its origin."""
    parts = urllib.parse.urlsplit(location)
    host = parts.netloc.rpartition("@")[2]  # never echo userinfo
    path = parts.path
    cut = path.find("/api/v4")
    base_path = path[:cut] if cut >= 0 else ""
    return urllib.parse.urlunsplit((parts.scheme, host, base_path.rstrip("/"), "", ""))


def retry_wait(status: int, headers: Mapping[str, str], retry: int, now: float | None = None) -> float:
    """Seconds GitLab asks us to wait before retry number ``retry`` (0-based), uncapped.

    A 429 names its wait in ``Retry-After`` (delta seconds or an HTTP date) or
    ``RateLimit-Reset`` (Unix time); anything else, or an unreadable header,
    gets exponential backoff.
    """
    backoff = min(FIRST_BACKOFF_SECONDS * (2 ** min(retry, 32)), MAX_RETRY_WAIT_SECONDS)
    if status != 429:
        return backoff
    now = time.time() if now is None else now
    asked = headers.get("Retry-After")
    if asked is not None:
        text = asked.strip()
        try:
            return max(0.0, float(text)) if text.replace(".", "", 1).isdigit() else _until_date(text, now)
        except (TypeError, ValueError, OverflowError):
            pass
    reset = headers.get("RateLimit-Reset")
    if reset is not None and reset.strip().isdigit():
        return max(0.0, float(reset.strip()) - now)
    return backoff


def _until_date(text: str, now: float) -> float:
    when = email.utils.parsedate_to_datetime(text)
    if when is None:
        raise ValueError(text)
    return max(0.0, when.timestamp() - now)


class GitLabSession(requests.Session):
    """A ``requests`` session bound to one GitLab: no redirects, no other host, bounded retries.

    Proxy settings are read from the environment once, here, with requests'
    own rules (``HTTPS_PROXY``, ``NO_PROXY``...): with ``trust_env`` on,
    requests would scan the whole environment on every request - a quarter of
    a refresh's CPU in the provider process, whose environment is large.
    """

    def __init__(self, base_url: str, *, retries: int = DEFAULT_RETRIES) -> None:
        super().__init__()
        self.base_url = base_url
        self.retries = max(0, retries)
        self._origin = origin(base_url)
        self.proxies.update(requests.utils.get_environ_proxies(base_url))
        self.trust_env = False
        # One kept-alive connection per call the provider serves at once (requests keeps 10): past
        # that, urllib3 opens a new connection for each call and warns as it throws it away.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=serving.configured_workers())
        for prefix in ("https://", "http://"):
            self.mount(prefix, adapter)

    def request(  # type: ignore[override]
        self, method: str, url: str | bytes, params: Any = None, data: Any = None, headers: Any = None,
        cookies: Any = None, files: Any = None, auth: Any = None, timeout: Any = None,
        allow_redirects: bool = True, proxies: dict[str, str] | None = None, hooks: Any = None,
        stream: bool | None = None, verify: bool | str | None = None, cert: Any = None, json: Any = None,
    ) -> requests.Response:
        """``requests.Session.request`` without the parts that do nothing for a GitLab token API call.

        Prepared with requests' own steps (URL and query, header checks, body,
        auth, hooks), minus what costs CPU on every call and serves nothing
        here: cookies are neither kept nor sent back (GitLab's API
        authenticates by the token header, and a session cookie would be one
        more credential to hold), explicit ``cookies`` are still sent; settings
        merge with the session's directly (``trust_env`` is off, see above);
        the query string is encoded here, as requests would, without its
        per-call protocol checks. The answer is a ``requests.Response`` with
        every field requests sets.
        """
        prepared = self.prepare_call(method, url, params=params, data=data, headers=headers, cookies=cookies,
                                     files=files, auth=auth, hooks=hooks, json=json)
        return self.send(
            prepared, timeout=timeout, allow_redirects=allow_redirects, proxies=_merged(self.proxies, proxies, {}),
            stream=self.stream if stream is None else stream, verify=self.verify if verify is None else verify,
            cert=self.cert if cert is None else cert,
        )

    def prepare_call(self, method: str, url: str | bytes, *, params: Any = None, data: Any = None,
                     headers: Any = None, cookies: Any = None, files: Any = None, auth: Any = None,
                     hooks: Any = None, json: Any = None) -> requests.PreparedRequest:
        """The request :meth:`request` sends: what ``prepare_request`` makes of the same call, without cookies."""
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        params = params or {}
        prepared.prepare_url(url, _query_string(_merged(self.params, params, {}))
                             if isinstance(params, Mapping) else params)
        prepared.prepare_headers(_merged(self.headers, headers, requests.structures.CaseInsensitiveDict()))
        if cookies:
            prepared.prepare_cookies(cookies)
        prepared.prepare_body(data or {}, files, json)
        prepared.prepare_auth(self.auth if auth is None else auth, url)
        prepared.prepare_hooks(requests.sessions.merge_hooks(hooks, self.hooks))
        return prepared

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        method = (request.method or "GET").upper()
        if origin(url) != self._origin:
            raise GitLabTokenError(
                f"Refusing to send a {method} request to {_show_origin(url)}: the provider talks only to "
                f"gitlab:baseUrl ({_show_origin(self.base_url)}), so the credential never goes anywhere else. "
                f"If GitLab really lives there, set gitlab:baseUrl to it."
            )
        kwargs.pop("allow_redirects", None)  # none is followed, whatever the caller asked
        caller_streams = bool(kwargs.get("stream", self.stream))
        kwargs["stream"] = True
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        if "proxies" not in kwargs:
            kwargs["proxies"] = requests.utils.resolve_proxies(request, self.proxies, self.trust_env)
        started = time.monotonic()
        retry = 0
        while True:
            try:
                response = self._answer(request, kwargs, method, url, read_body=not caller_streams)
            except _LOST as err:
                wait = retry_wait(0, {}, retry)
                if (method not in _IDEMPOTENT_METHODS or never_connected(err)
                        or not self._may_wait(retry, wait, started)):
                    raise
                retry += 1
                time.sleep(wait)
                continue
            status = response.status_code
            if 300 <= status < 400:
                response.close()
                raise self._redirect_error(method, url, status, response.headers.get("Location"))
            retryable = status == 429 or (status in _RETRYABLE_5XX and method in _IDEMPOTENT_METHODS)
            if retryable:
                wait = retry_wait(status, response.headers, retry)
                if self._may_wait(retry, wait, started):
                    response.close()
                    retry += 1
                    time.sleep(wait)
                    continue
                if status == 429:
                    response.close()
                    raise self._rate_limit_error(method, url, wait, retry)
            return response

    def _answer(self, request: requests.PreparedRequest, kwargs: dict[str, Any], method: str, url: str, *,
                read_body: bool) -> requests.Response:
        """One attempt: status, headers and (bounded) body; a redirect's body is never read.

        The body is read inside the attempt so that a connection lost halfway
        through an answer is retried like one lost before it.
        """
        # requests' Session.send, less what does not apply: no redirect is followed (so no
        # redirect bookkeeping) and no cookie is kept.
        adapter = self.get_adapter(url=url)
        started = time.perf_counter()
        response = adapter.send(request, **kwargs)
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        response = requests.hooks.dispatch_hook("response", request.hooks, response, **kwargs)
        if read_body and not 300 <= response.status_code < 400 and not _read_bounded(response):
            # The route is worked out only here: naming it costs more than the rest of the check.
            raise _too_large(self._route(method, url))
        return response

    def _may_wait(self, retry: int, wait: float, started: float) -> bool:
        if retry >= self.retries or wait > MAX_RETRY_WAIT_SECONDS:
            return False
        return time.monotonic() + wait - started <= RETRY_BUDGET_SECONDS

    def _route(self, method: str, url: str) -> str:
        """``GET /projects/1/access_tokens``: the request as the provider's messages name routes."""
        path = urllib.parse.urlsplit(url).path
        base_path = urllib.parse.urlsplit(self.base_url).path.rstrip("/") + "/api/v4"
        if path.startswith(base_path):
            path = path[len(base_path):]
        return f"{method} {shorten(path, 200)}"

    def _redirect_error(self, method: str, url: str, status: int, location: str | None) -> GitLabTokenError:
        route = self._route(method, url)
        phrase = _status_phrase(status)
        if not location:
            return GitLabTokenError(
                f"GitLab at {_show_origin(self.base_url)} answered {phrase} with no Location on {route}; the "
                f"provider follows no redirect. Check that gitlab:baseUrl is GitLab's own address.",
                status=status,
            )
        target = urllib.parse.urljoin(url, location.strip())
        return GitLabTokenError(
            f"GitLab at {_show_origin(self.base_url)} answered {phrase} on {route}, pointing to "
            f"{shorten(target, 200)}; the provider follows no redirect, so the credential is sent only to "
            f"gitlab:baseUrl. Set gitlab:baseUrl to the final address ({shorten(suggested_base_url(target), 120)}).",
            status=status,
        )

    def _rate_limit_error(self, method: str, url: str, wait: float, retries: int) -> GitLabTokenError:
        asked = f"asked to wait {wait:.0f} s more" if wait > MAX_RETRY_WAIT_SECONDS else "was still rate-limiting"
        return GitLabTokenError(
            f"GitLab answered 429 Too Many Requests on {self._route(method, url)} and {asked} after "
            f"{retries} retr{'y' if retries == 1 else 'ies'}; the provider waits at most "
            f"{MAX_RETRY_WAIT_SECONDS:.0f} s at a time and {RETRY_BUDGET_SECONDS:.0f} s per call. "
            f"Try again later, or raise the rate limit.",
            status=429,
        )


def never_connected(err: BaseException) -> bool:
    """Whether ``err`` is a connection refused or a host not found: no request was sent."""
    reason = err.args[0] if isinstance(err, requests.exceptions.ConnectionError) and err.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError names the cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _merged(session_setting: Mapping[str, Any], call_setting: Mapping[str, Any] | None, into: Any) -> Any:
    """requests' ``merge_setting`` for two mappings: the call's entries win, and any set to None go."""
    into.update(session_setting)
    if call_setting:
        into.update(call_setting)
    for key in [key for key, value in into.items() if value is None]:
        del into[key]
    return into


def _query_string(params: Mapping[str, Any]) -> str | None:
    """``params`` encoded as requests encodes a mapping: None values dropped, lists repeated, UTF-8."""
    pairs: list[tuple[Any, Any]] = []
    for key, values in params.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        for value in values:
            if value is not None:
                pairs.append((key.encode("utf-8") if isinstance(key, str) else key,
                              value.encode("utf-8") if isinstance(value, str) else value))
    return urllib.parse.urlencode(pairs, doseq=True) or None


def _status_phrase(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _read_bounded(response: requests.Response) -> bool:
    """Read the body as requests would without ``stream``, unless it is larger than :data:`MAX_ANSWER_BYTES`.

    False (and the connection closed) when it is larger; the body is then not kept.
    One read of at most one byte over the bound, decoded (so a compressed answer
    is bounded by what it unpacks to), instead of ``iter_content``'s chunk
    generators: the same urllib3 read, and the same requests errors for a
    connection lost halfway, which the retry loop needs.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > MAX_ANSWER_BYTES:
        response.close()
        return False
    try:
        body = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
    except urllib3.exceptions.ProtocolError as err:
        raise requests.exceptions.ChunkedEncodingError(err) from err
    except urllib3.exceptions.DecodeError as err:
        raise requests.exceptions.ContentDecodingError(err) from err
    except urllib3.exceptions.ReadTimeoutError as err:
        raise requests.exceptions.ConnectionError(err) from err
    except urllib3.exceptions.SSLError as err:
        raise requests.exceptions.SSLError(err) from err
    if len(body) > MAX_ANSWER_BYTES:
        response.close()
        return False
    response._content = body  # what requests itself stores when it reads the body
    response._content_consumed = True
    return True


def _too_large(route: str) -> gitlab.exceptions.GitlabParsingError:
    # A parsing error: for a POST that mints a token the answer is as good as
    # lost, and the provider's recovery finds out what GitLab committed.
    return gitlab.exceptions.GitlabParsingError(
        error_message=f"the answer on {route} is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB"
    )

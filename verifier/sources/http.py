"""The one HTTP stack: a ``requests`` session cached by ``requests-cache``, made polite and safe.

Everything verifier fetches goes through :class:`HttpClient`:

- the cache is SQLite under the cache directory (``http.sqlite``), keyed without the
  identification parameters (``tool``, ``email``, ``mailto``, ``api_key``), which are also
  redacted from what is stored;
- a transport adapter runs only for real network traffic (cache hits never reach it): it
  refuses URLs that resolve to loopback, private, link-local or reserved addresses (a draft
  is untrusted input), keeps each host to its rate and concurrency, and reads the body with
  a size cap and a deadline, so a huge or compressed-bomb body stops early;
- :meth:`HttpClient.get` retries 429 and 5xx with exponential backoff, honours
  ``Retry-After``, times out every request, and turns every failure into one
  :class:`FetchError` with a one-line message.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from verifier import __version__

IDENTITY_PARAMETERS = ("tool", "email", "mailto", "api_key")
RETRY_STATUSES = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A fetch that failed; ``kind`` says how, ``permanent`` whether trying again can help.

    Kinds: ``not_found`` (404), ``gone`` (410), ``forbidden`` (401/403), ``http`` (other
    4xx), ``server_error``, ``rate_limited``, ``timeout``, ``dns``, ``refused``,
    ``connection``, ``blocked`` (unsafe address or scheme), ``redirects``, ``too_large``,
    ``bad_content`` (malformed or not text).
    """

    PERMANENT = {"not_found", "gone", "dns", "blocked", "redirects", "too_large", "bad_content", "forbidden", "http"}

    def __init__(self, kind: str, message: str, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.url = url
        self.status = status

    @property
    def permanent(self) -> bool:
        return self.kind in self.PERMANENT


class BodyTooLarge(requests.RequestException):
    pass


class UnsafeAddress(requests.RequestException):
    pass


class HostNotFound(requests.RequestException):
    pass


@dataclass
class HttpConfig:
    """How to fetch: identity, limits, and the safety switch tests turn off."""

    tool: str = "verifier"
    email: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    body_deadline: float = 120.0              # seconds to read one whole body
    max_bytes: int = 25 * 1024 * 1024         # after decompression
    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0                    # longest Retry-After honoured
    max_redirects: int = 5
    allow_private: bool = False               # tests set it to reach 127.0.0.1
    expire_days: float = 30.0
    # Seconds between requests to a host (NCBI: 3/s without a key, 10/s with one).
    intervals: dict[str, float] = field(default_factory=dict)
    default_interval: float = 0.5
    concurrency: dict[str, int] = field(default_factory=dict)
    default_concurrency: int = 2

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.email}" if self.email else ""
        return f"{self.tool}/{__version__} (claim-verification linter{contact})"


def check_url(url: str) -> None:
    """Only http and https, with a host."""
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        raise FetchError("blocked", f"{url}: not a valid URL", url) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError("blocked", f"{url}: only http and https URLs are fetched", url)
    if not parts.hostname:
        raise FetchError("blocked", f"{url}: no host in URL", url)


def unsafe_reason(host: str, port: int | None) -> str | None:
    """Why a host must not be fetched from (it resolves to a non-public address), or None."""
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise HostNotFound(f"cannot resolve host {host}")
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified or not address.is_global):
            return f"{host} resolves to a non-public address ({address})"
    return None


class _HostGate:
    """Per-host spacing between requests and a cap on requests in flight."""

    def __init__(self, config: HttpConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.next_slot: dict[str, float] = {}
        self.semaphores: dict[str, threading.BoundedSemaphore] = {}

    def semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self.lock:
            if host not in self.semaphores:
                limit = self.config.concurrency.get(host, self.config.default_concurrency)
                self.semaphores[host] = threading.BoundedSemaphore(max(1, limit))
            return self.semaphores[host]

    def wait_turn(self, host: str) -> None:
        interval = self.config.intervals.get(host, self.config.default_interval)
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot.get(host, 0.0))
            self.next_slot[host] = slot + interval
        if slot > now:
            time.sleep(slot - now)


class PoliteAdapter(HTTPAdapter):
    """The network side: address guard, host limits, capped body. Only real fetches pass here."""

    def __init__(self, config: HttpConfig, gate: _HostGate) -> None:
        super().__init__(max_retries=0)
        self.config = config
        self.gate = gate

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: D401
        parts = urlsplit(request.url)
        if parts.scheme not in {"http", "https"}:
            raise requests.exceptions.InvalidSchema(f"refusing scheme {parts.scheme!r}")
        host = (parts.hostname or "").lower()
        if not self.config.allow_private:
            reason = unsafe_reason(host, parts.port)
            if reason:
                raise UnsafeAddress(reason)
        semaphore = self.gate.semaphore(host)
        with semaphore:
            self.gate.wait_turn(host)
            response = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
            try:
                self._read_body(response)
            except BaseException:
                response.close()
                raise
        return response

    def _read_body(self, response: requests.Response) -> None:
        limit = self.config.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and "gzip" not in response.headers.get("Content-Encoding", ""):
            raise BodyTooLarge(f"response of {int(declared):,} bytes is over the {limit:,}-byte limit")
        deadline = time.monotonic() + self.config.body_deadline
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(8192, decode_content=True):
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(f"response is over the {limit:,}-byte limit (after decompression)")
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(f"body not read within {self.config.body_deadline:g}s")
                chunks.append(chunk)
        except (BodyTooLarge, requests.exceptions.ReadTimeout):
            raise
        except Exception as error:  # urllib3 protocol, decode and read-timeout errors
            name = type(error).__name__
            if "Timeout" in name:
                raise requests.exceptions.ReadTimeout(str(error)) from None
            if "Decode" in name:
                raise requests.exceptions.ContentDecodingError(str(error)) from None
            raise requests.exceptions.ChunkedEncodingError(f"{name}: {error}") from None
        response._content = b"".join(chunks)
        response._content_consumed = True


class HttpClient:
    """GET with cache, politeness, retries and one kind of error."""

    def __init__(self, config: HttpConfig | None = None, cache_dir: str | Path | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import requests_cache
        from datetime import timedelta

        self.config = config or HttpConfig()
        self.sleep = sleep
        self._cache_problem: str | None = None
        backend: Any = "memory"
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            backend = _sqlite_cache(Path(cache_dir) / "http.sqlite", self._note_cache_problem)
        self.session = requests_cache.CachedSession(
            backend=backend,
            expire_after=timedelta(days=self.config.expire_days),
            allowable_codes=(200,),
            allowable_methods=("GET",),
            ignored_parameters=IDENTITY_PARAMETERS,
            stale_if_error=False,
        )
        self.session.max_redirects = self.config.max_redirects
        self.session.headers["User-Agent"] = self.config.user_agent
        adapter = PoliteAdapter(self.config, _HostGate(self.config))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @property
    def cache_problem(self) -> str | None:
        """Why responses could not be cached (or read from the cache), once; fetching went on without it."""
        return self._cache_problem

    def _note_cache_problem(self, path: Path, error: Exception) -> None:
        if self._cache_problem is None:
            self._cache_problem = f"{path}: HTTP cache unusable ({error}); fetched without it"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, params: dict | None = None, headers: dict | None = None) -> requests.Response:
        """A successful response, or :class:`FetchError` after the retries it deserves."""
        check_url(url)
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        attempts = self.config.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.get(url, params=params, headers=headers, timeout=timeout)
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError,
                    requests.exceptions.ChunkedEncodingError) as error:
                failure = _classify(error, url)
                if failure.permanent or last:
                    if failure.kind == "timeout" and attempts > 1:
                        failure = FetchError("timeout", f"{url}: timed out {attempts} times", url)
                    raise failure from None
                self.sleep(self._backoff(attempt))
                continue
            except requests.RequestException as error:
                raise _classify(error, url) from None
            if response.status_code in RETRY_STATUSES and not last:
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = self._backoff(attempt)
                if wait > self.config.max_wait:
                    raise FetchError("rate_limited", f"{url}: server asks to wait {wait:.0f}s (over {self.config.max_wait:.0f}s)",
                                     url, response.status_code)
                self.sleep(wait)
                continue
            _raise_for_status(response, url)
            return response
        raise FetchError("connection", f"{url}: failed", url)  # pragma: no cover - loop always returns or raises

    def _backoff(self, attempt: int) -> float:
        return self.config.backoff * (2 ** attempt)


def _sqlite_cache(path: Path, on_error: Callable[[Path, Exception], None]) -> Any:
    """The HTTP cache at ``path``, as a convenience that never fails a fetch.

    A read-only or full cache directory, or a corrupt ``http.sqlite``, raised SQLite errors
    out of every request, which read as network failures ("is this machine offline?") or
    stopped the run. Now a response the cache cannot read is fetched, one it cannot keep
    is used anyway, and ``on_error`` hears of the first failure.
    """
    import sqlite3

    import requests_cache

    failures = (sqlite3.Error, OSError)

    class ForgivingSQLiteCache(requests_cache.SQLiteCache):
        def get_response(self, key, default=None):
            try:
                return super().get_response(key, default)
            except failures as error:
                on_error(path, error)
                return default

        def save_response(self, response, cache_key=None, expires=None):
            try:
                super().save_response(response, cache_key, expires)
            except failures as error:
                on_error(path, error)

    try:
        return ForgivingSQLiteCache(str(path))
    except failures as error:
        on_error(path, error)
        return "memory"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    from datetime import datetime, timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _raise_for_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    kinds = {404: "not_found", 410: "gone", 401: "forbidden", 403: "forbidden", 429: "rate_limited"}
    kind = kinds.get(status, "server_error" if status >= 500 else "http")
    reason = response.reason or ""
    raise FetchError(kind, f"{url}: HTTP {status} {reason}".rstrip(), url, status)


def _classify(error: Exception, url: str) -> FetchError:
    """One :class:`FetchError` for a requests exception, with a one-line message."""
    text = str(error)
    if isinstance(error, UnsafeAddress):
        return FetchError("blocked", f"{url}: refused, {text} (set allow_private_urls to allow it)", url)
    if isinstance(error, HostNotFound):
        return FetchError("dns", f"{url}: {text}", url)
    if isinstance(error, BodyTooLarge):
        return FetchError("too_large", f"{url}: {text}", url)
    if isinstance(error, requests.exceptions.TooManyRedirects):
        return FetchError("redirects", f"{url}: too many redirects (a redirect loop?)", url)
    if isinstance(error, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema,
                          requests.exceptions.InvalidURL)):
        return FetchError("blocked", f"{url}: not an http(s) URL ({text})", url)
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return FetchError("bad_content", f"{url}: body cannot be decompressed", url)
    if isinstance(error, requests.exceptions.Timeout):
        return FetchError("timeout", f"{url}: timed out", url)
    if isinstance(error, requests.exceptions.ConnectionError):
        lowered = text.lower()
        if any(s in lowered for s in ("name or service not known", "nodename nor servname", "failed to resolve",
                                      "name resolution", "getaddrinfo failed", "no address associated")):
            return FetchError("dns", f"{url}: cannot resolve host {urlsplit(url).hostname}", url)
        if "refused" in lowered:
            return FetchError("refused", f"{url}: connection refused", url)
        if "timed out" in lowered or "timeout" in lowered:
            return FetchError("timeout", f"{url}: timed out", url)
        return FetchError("connection", f"{url}: connection failed", url)
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return FetchError("connection", f"{url}: connection broke while reading the body", url)
    return FetchError("connection", f"{url}: {type(error).__name__}", url)

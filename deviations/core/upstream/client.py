"""The HTTP side of asking upstream services: one client shared by every service module.

- **https only**, TLS verified (against `ca_bundle` when given), redirects followed by
  hand (`core.https`): every hop must be https *on the same host* as the API base, so a
  redirect elsewhere is refused rather than followed with our token;
- **timeouts** per connection and read, a deadline per body, a **size cap** per body
  (read eagerly by the transport adapter, so neither we nor the cache ever hold more);
- **conditional requests** through `requests-cache` (SQLite file, or memory): every
  answer with an `ETag` or `Last-Modified` is kept, and the next request for the same
  URL sends `If-None-Match` / `If-Modified-Since`; a `304 Not Modified` returns the
  kept body (`Answer.revalidated`).  Tokens are never part of a cache key nor stored;
- **per-host limits**: at most `per_host` requests in flight and at most `rate`
  requests a second per host; an answer's `Retry-After`, or `X-RateLimit-Remaining: 0`
  / `RateLimit-Remaining: 0` with its reset time, holds back every request to that
  host until then (at most `max_wait` seconds; longer is a `rate-limited` error);
- **bounded retries** with back-off for network trouble, timeouts, 5xx, 429 and
  403-with-`Retry-After` (a rate limit); 404 and 410 are answers, not errors.

Every failure is an `UpstreamError` with a stable `kind` (see `ErrorKind`).
Pure Python: no Django.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from requests_cache.backends.sqlite import SQLiteCache

from deviations.core.errors import KindedError
from deviations.core.https import (
    BodyDeadline,
    BodyTooLarge,
    RedirectError,
    capped,
    declared_length,
    follow_redirects,
)
from deviations.core.urlcheck import UrlRefused, checked_parts

USER_AGENT = "azldrift-upstream/1 (+https://github.com/microsoft/azurelinux)"
CHUNK = 1 << 16
_RETRY_STATUS = (408, 429, 500, 502, 503, 504)


class ErrorKind:
    """Stable identifiers of a failed question (stored per link)."""

    NOT_FOUND = "not-found"  # 404/410, or the service says there is no such thing
    FORBIDDEN = "forbidden"  # 401/403 without a rate limit: private, or a bad token
    RATE_LIMITED = "rate-limited"  # still limited after the longest wait we accept
    TIMEOUT = "timeout"  # no answer in time, or a body past its deadline
    TOO_LARGE = "too-large"  # a body over the size cap
    MALFORMED = "malformed"  # not the JSON the service documents
    REFUSED = "refused"  # unsafe URL or redirect (another host, not https)
    UNREACHABLE = "unreachable"  # no connection at all (DNS, refused, no network)
    FAILED = "failed"  # anything else: TLS, HTTP errors after retries
    OFFLINE = "offline"  # not asked: the check ran offline


class UpstreamError(KindedError):
    """A question to an upstream service that got no usable answer."""


@dataclass(frozen=True)
class UpstreamPolicy:
    """Limits for upstream requests (the domain builds one from the settings)."""

    timeout: float = 20.0  # seconds to connect, and between two reads
    deadline: float = 60.0  # seconds for one whole body
    retries: int = 2  # extra attempts after network trouble, 5xx, 429 or a rate limit
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_bytes: int = 5 << 20  # per body; JSON answers are a few kB
    max_redirects: int = 3
    max_wait: float = 60.0  # longest wait for a rate limit before giving up
    per_host: int = 4  # requests in flight per host
    rate: float = 10.0  # requests a second per host (0: no limit)
    ca_bundle: str | None = None  # CA certificates to trust (default: certifi's)
    cache_path: str | None = None  # SQLite file of the HTTP cache (None: in memory)


@dataclass
class Answer:
    """A response's status and decoded JSON body."""

    url: str
    status: int
    data: Any
    revalidated: bool = False  # a 304: the kept body was still current
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Stats:
    """What the client did, for the check's summary and the benchmark."""

    requests: int = 0  # sent (retries included)
    not_modified: int = 0  # answered 304
    retries: int = 0
    waited: float = 0.0  # seconds spent waiting for rate limits
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: float) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class _Retry(Exception):
    def __init__(self, kind: str, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.kind, self.wait = kind, wait


class _CappedAdapter(HTTPAdapter):
    """Reads each body at once, capped and within the deadline, before anyone sees it.

    The cache layer reads whole bodies to store them; reading here first means a 50 MB
    answer is refused after `max_bytes`, never loaded whole.
    """

    def __init__(self, policy: UpstreamPolicy) -> None:
        super().__init__(pool_connections=16, pool_maxsize=max(4, policy.per_host * 2))
        self.policy = policy

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        try:
            length = declared_length(response)
            if length is not None and length > self.policy.max_bytes:
                raise BodyTooLarge(length, self.policy.max_bytes, declared=True)
            deadline = time.monotonic() + self.policy.deadline
            chunks = response.raw.stream(CHUNK, decode_content=True)
            body = b"".join(capped(chunks, self.policy.max_bytes, deadline))
        except BaseException:
            response.close()
            raise
        response._content = body  # the body, read: requests serves it from here
        response._content_consumed = True
        return response


class _Host:
    """One host's limits: a semaphore for concurrency and a clock for the rate."""

    def __init__(self, per_host: int) -> None:
        self.slots = threading.BoundedSemaphore(max(1, per_host))
        self.lock = threading.Lock()
        self.next_slot = 0.0  # monotonic time the next request may start
        self.hold_until = 0.0  # a rate limit's end (monotonic), from the last answers


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait that an answer asks for (`Retry-After`, or a spent rate limit)."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After", "").strip()
    if value:
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    for prefix in ("X-RateLimit", "RateLimit"):  # GitHub's, GitLab's
        remaining = headers.get(f"{prefix}-Remaining", "").strip()
        reset = headers.get(f"{prefix}-Reset", "").strip()
        if remaining == "0" and reset.isdigit():
            reset_at = float(reset)
            # An epoch time (GitHub, GitLab), or seconds from now (the IETF draft).
            return max(0.0, reset_at - now) if reset_at > 10**9 else reset_at
    return None


class UpstreamClient:
    """GET JSON from upstream APIs under the policy; thread-safe, one per check."""

    def __init__(
        self, policy: UpstreamPolicy | None = None, tokens: Mapping[str, str] | None = None
    ) -> None:
        self.policy = policy or UpstreamPolicy()
        self.tokens = dict(tokens or {})  # host -> Authorization header value
        self.stats = Stats()
        backend: Any
        if self.policy.cache_path:
            backend = SQLiteCache(self.policy.cache_path, wal=True, busy_timeout=30_000)
        else:
            backend = "memory"
        self.session = requests_cache.CachedSession(
            backend=backend,
            serializer="json",  # never pickle: the cache file is data, not code
            expire_after=requests_cache.EXPIRE_IMMEDIATELY,  # kept only to revalidate
            always_revalidate=True,  # every question asks; a 304 is cheap
            allowable_codes=(200,),
            allowable_methods=("GET",),
            cache_control=False,
            stale_if_error=False,
        )
        adapter = _CappedAdapter(self.policy)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)  # never used: refused before sending
        self._hosts: dict[str, _Host] = {}
        self._guard = threading.Lock()

    def close(self) -> None:
        self.session.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- limits -------------------------------------------------------------------------

    def _host(self, netloc: str) -> _Host:
        with self._guard:
            return self._hosts.setdefault(netloc, _Host(self.policy.per_host))

    @contextmanager
    def _turn(self, netloc: str) -> Iterator[None]:
        """Wait for a slot on the host, its rate-limit hold and its request rate."""
        host = self._host(netloc)
        with host.slots:
            while True:
                with host.lock:
                    now = time.monotonic()
                    start = max(now, host.next_slot, host.hold_until)
                    if start - now > self.policy.max_wait:
                        raise UpstreamError(
                            ErrorKind.RATE_LIMITED,
                            f"{netloc} asks us to wait {start - now:.0f} s, more than the "
                            f"{self.policy.max_wait:g} s we wait",
                        )
                    if self.policy.rate > 0:
                        host.next_slot = start + 1.0 / self.policy.rate
                if start <= now:
                    break
                self.stats.add(waited=start - now)
                time.sleep(start - now)
                if time.monotonic() >= host.hold_until:
                    break
            yield

    def _hold(self, netloc: str, seconds: float) -> None:
        host = self._host(netloc)
        with host.lock:
            host.hold_until = max(host.hold_until, time.monotonic() + seconds)

    # --- one request --------------------------------------------------------------------

    def _check(self, base_netloc: str, url: str) -> None:
        try:
            parts = checked_parts(url, ("https",), not_a_url="not an absolute https URL")
        except UrlRefused as why:
            raise UpstreamError(ErrorKind.REFUSED, f"{url} refused: {why}") from None
        if parts.username or parts.password:
            raise UpstreamError(ErrorKind.REFUSED, f"{url} refused: credentials in the URL")
        if parts.netloc.lower() != base_netloc:
            raise UpstreamError(
                ErrorKind.REFUSED, f"{url} refused: another host than the API's ({base_netloc})"
            )

    def _send(self, url: str, netloc: str, headers: dict[str, str]) -> Answer:
        def get(current: str) -> requests.Response:
            with self._turn(netloc):
                self.stats.add(requests=1)
                try:
                    return self.session.get(
                        current,
                        allow_redirects=False,
                        timeout=(self.policy.timeout, self.policy.timeout),
                        verify=self.policy.ca_bundle or True,
                        headers=headers,
                    )
                except BodyTooLarge as exc:
                    raise UpstreamError(
                        ErrorKind.TOO_LARGE, f"{current}: the answer {exc}"
                    ) from None
                except BodyDeadline as exc:
                    raise _Retry(ErrorKind.TIMEOUT, f"{current}: the answer was {exc}") from None
                except requests.exceptions.SSLError as exc:
                    raise UpstreamError(
                        ErrorKind.FAILED, f"TLS failed for {current}: {exc}"
                    ) from None
                except requests.exceptions.Timeout:
                    raise _Retry(ErrorKind.TIMEOUT, f"{current} did not answer in time") from None
                except requests.exceptions.ConnectionError as exc:
                    raise _Retry(ErrorKind.UNREACHABLE, f"cannot reach {current}: {exc}") from None
                except requests.exceptions.RequestException as exc:
                    raise _Retry(ErrorKind.FAILED, f"{current} failed: {exc}") from None

        try:
            final, response = follow_redirects(
                get,
                url,
                check=lambda target: self._check(netloc, target),
                max_redirects=self.policy.max_redirects,
            )
        except RedirectError as exc:
            kind = ErrorKind.REFUSED if exc.kind == "refused" else ErrorKind.FAILED
            raise UpstreamError(kind, str(exc)) from None
        with response:
            return self._answer(final, netloc, response)

    def _answer(self, url: str, netloc: str, response: requests.Response) -> Answer:
        status = response.status_code
        wait = retry_after(response.headers)
        if wait is not None and wait > 0:
            self._hold(netloc, wait)
        revalidated = bool(getattr(response, "revalidated", False))
        if revalidated:
            self.stats.add(not_modified=1)
        if status in (404, 410):
            return Answer(url, status, _json_or_none(response), headers=response.headers)
        if status == 429 or (status == 403 and wait is not None):
            raise _Retry(ErrorKind.RATE_LIMITED, f"{url} answered HTTP {status}", wait)
        if status in _RETRY_STATUS:
            raise _Retry(ErrorKind.FAILED, f"{url} answered HTTP {status}", wait)
        if status in (401, 403):
            raise UpstreamError(ErrorKind.FORBIDDEN, f"{url} answered HTTP {status}")
        if status != 200:
            raise UpstreamError(ErrorKind.FAILED, f"{url} answered HTTP {status}")
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UpstreamError(ErrorKind.MALFORMED, f"{url}: not JSON ({exc})") from None
        return Answer(url, status, data, revalidated=revalidated, headers=response.headers)

    def get_json(self, url: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        """GET `url` (an API URL) and decode its JSON: 200 (or 304, served from the cache),
        404 and 410 are answers; anything else is retried or an UpstreamError."""
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        self._check(netloc, url)
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        token = self.tokens.get(parts.hostname or "")
        if token:
            sent["Authorization"] = token
        delay = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            try:
                return self._send(url, netloc, sent)
            except _Retry as exc:
                if attempt >= self.policy.retries:
                    tries = self.policy.retries + 1
                    raise UpstreamError(exc.kind, f"{exc} (after {tries} attempts)") from None
                self.stats.add(retries=1)
                if exc.wait is not None:
                    if exc.wait > self.policy.max_wait:
                        raise UpstreamError(
                            ErrorKind.RATE_LIMITED,
                            f"{exc}; it asks us to wait {exc.wait:.0f} s, more than the "
                            f"{self.policy.max_wait:g} s we wait",
                        ) from None
                    continue  # _turn waits for the host's hold
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def _json_or_none(response: requests.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None

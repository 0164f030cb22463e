"""What every HTTPS fetch azldrift makes shares: redirects checked hop by hop, capped bodies.

The lookaside client (source tarballs) and the upstream clients (Bugzilla, Pagure,
GitHub, GitLab, Anitya) both follow redirects by hand, so each hop's URL passes the
caller's check before anything is sent to it (https only; the upstream clients also
keep to the API's host), and both read bodies against a size limit and a deadline,
so a hostile or broken server cannot make them read forever or fill the memory.
Each caller turns these errors into its own (`LookasideError`, `UpstreamError`).
Pure Python: no Django.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urljoin

import requests

REDIRECTS = (301, 302, 303, 307, 308)


class RedirectError(Exception):
    """A redirect that is not followed: nowhere, refused by the check, or too many."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "nowhere", "refused", "too-many"


class BodyTooLarge(Exception):
    """More bytes than allowed (`Content-Length` said so, or they kept coming)."""

    def __init__(self, size: int, limit: int, declared: bool) -> None:
        self.size, self.limit, self.declared = size, limit, declared
        said = "is" if declared else "is more than"
        super().__init__(f"{said} {size:,} bytes, more than the {limit:,} bytes allowed")


class BodyDeadline(Exception):
    """The body was still arriving when the deadline passed."""


def follow_redirects(
    get: Callable[[str], requests.Response],
    url: str,
    *,
    check: Callable[[str], object],
    max_redirects: int,
) -> tuple[str, requests.Response]:
    """(final URL, its response): `get` each hop, `check` every URL before it is asked.

    `get` must not follow redirects itself (`allow_redirects=False`); `check` raises on a
    URL that may not be fetched (its message says why).  The final response's own URL is
    checked too, so nothing requests reached some other way is trusted.
    """
    current = url
    for _hop in range(max_redirects + 1):
        response = get(current)
        if response.status_code not in REDIRECTS:
            check(response.url or current)
            return current, response
        location = response.headers.get("Location", "")
        response.close()
        if not location:
            raise RedirectError("nowhere", f"{current} redirects nowhere")
        target = urljoin(current, location)
        try:
            check(target)
        except Exception as exc:  # noqa: BLE001 - the check's own error type says why
            raise RedirectError(
                "refused", f"{current} redirects to a URL that is not allowed: {exc}"
            ) from None
        current = target
    raise RedirectError("too-many", f"more than {max_redirects} redirects from {url}")


def declared_length(response: requests.Response) -> int | None:
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def capped(chunks: Iterable[bytes], max_bytes: int, deadline: float) -> Iterator[bytes]:
    """The chunks, stopping with BodyTooLarge past `max_bytes` and BodyDeadline past
    `deadline` (a `time.monotonic()` value)."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise BodyTooLarge(total, max_bytes, declared=False)
        if time.monotonic() > deadline:
            raise BodyDeadline(f"not complete after {total:,} bytes")
        yield chunk

"""The checks every URL azldrift fetches from goes through, whoever fetches it.

Dist-git remotes (`core.distgit.urls`) and lookaside files (`core.lookaside`) come
from configuration, so both are untrusted; each adds its own rules (git's option and
remote-helper syntax, credentials) and its own error type on top of these.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

MAX_URL_LENGTH = 2048

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")


class UrlRefused(ValueError):
    """Why a URL is refused, in words for the user (the caller names the URL)."""


def checked_parts(url: str, schemes: tuple[str, ...], *, not_a_url: str) -> SplitResult:
    """`urlsplit(url)` once the URL has passed the shared checks, else UrlRefused.

    Shared: not empty, at most MAX_URL_LENGTH, no whitespace or control characters
    (also percent-encoded in the path), `scheme://` with a scheme from `schemes`, no
    fragment, no `..` segment; `file://` URLs name no host and an absolute path; other
    URLs a valid host name (never starting with `-`) and port.  `not_a_url` says what
    the caller accepts instead when the URL has no scheme.
    """
    if not isinstance(url, str) or not url:
        raise UrlRefused("empty")
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise UrlRefused("contains whitespace or control characters")
    found = _SCHEME.match(url)
    if not found:
        raise UrlRefused(not_a_url)
    scheme = found.group(1).lower()
    if scheme not in schemes:
        why = f"scheme {scheme!r} is not allowed (only {', '.join(schemes)})"
        if scheme == "http":
            why += "; plain http is refused"
        raise UrlRefused(why)
    parts = urlsplit(url)
    if parts.fragment:
        raise UrlRefused("fragments are not allowed")
    path = unquote(parts.path)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise UrlRefused("encoded control characters")
    if "/../" in path + "/" or path.endswith("/.."):
        raise UrlRefused("'..' path segments are not allowed")
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UrlRefused("file URLs must not name a host (file:///absolute/path)")
        if not path.startswith("/") or path == "/":
            raise UrlRefused("file URLs need an absolute path")
        return parts
    host = parts.hostname or ""
    if not host or host.startswith("-") or not _HOST.fullmatch(host):
        raise UrlRefused("missing or invalid host name")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise UrlRefused("invalid port") from None
    return parts

"""Where a `next` parameter may send the browser: back into this site, nowhere else.

Every view that honours a `next` (a form's way back to the page it came from)
asks `safe_next`; a `next` that leads to another host or scheme
(`https://evil.example/x`, `//evil.example`, `/\\evil.example`, `javascript:`) is
replaced by the view's own fallback, so a link cannot turn azldrift into a
redirector to a look-alike login page.  Django's LoginView does the same check
(`url_has_allowed_host_and_scheme`) for the login page.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, url: str | None, fallback: str) -> str:
    """`url` when it stays on this site (same host, and https when the request was),
    else `fallback`."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback

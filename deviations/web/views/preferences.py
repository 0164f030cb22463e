"""The reader's display preferences, kept in a cookie: the diff layout.

A link, not a script, sets it (`/preferences/diff/?layout=split&next=<page>`), so it
works without JavaScript and every later page (and visit) renders diffs that way.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from deviations.web.display import LAYOUT_COOKIE, SPLIT
from deviations.web.redirects import safe_next

ONE_YEAR = 365 * 24 * 3600


@require_GET
def diff_layout(request: HttpRequest) -> HttpResponse:
    """Remember unified (`layout=unified`) or side-by-side (`layout=split`) diffs, then go
    back to the page the reader came from."""
    response = redirect(safe_next(request, request.GET.get("next"), reverse("overview")))
    if request.GET.get("layout") == SPLIT:
        response.set_cookie(
            LAYOUT_COOKIE,
            SPLIT,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(LAYOUT_COOKIE, samesite="Lax")
    return response

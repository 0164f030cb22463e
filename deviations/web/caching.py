"""What a signed-in user reads stays out of shared and browser caches.

Every response to an authenticated request (pages, htmx fragments, the API by
session or token, CSV downloads) gets `Cache-Control: private, no-store`
unless its view already set a policy of its own: the record is not public, and a
shared computer's browser cache, or a proxy, must not keep it after logout.
DRF authenticates a token inside the view and sets the request's user there, so
the middleware asks after the view has run.

Static files never reach this middleware (WhiteNoise answers them first, with
its own long-lived headers); `/health/` is public and marked `own_cache_policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

PRIVATE = "private, no-store"


def own_cache_policy[V: Callable[..., Any]](view: V) -> V:
    """Mark a public view whose caching this middleware leaves alone."""
    setattr(view, "own_cache_policy", True)  # noqa: B010 - a mark on a typed callable
    return view


class PrivateNoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not getattr(request, "_own_cache_policy", False)
            and not response.has_header("Cache-Control")
        ):
            response["Cache-Control"] = PRIVATE
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if getattr(view, "own_cache_policy", False):
            request._own_cache_policy = True  # type: ignore[attr-defined]

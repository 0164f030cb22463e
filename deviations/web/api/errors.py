"""404 for URLs under /api/ that match no route: JSON like every other API answer.

Installed as the project's `handler404`; every other path gets the pages'
own 404 page (django.views.defaults, templates/404.html).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)

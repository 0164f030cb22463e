"""One component: its upstream, drift, deviations, rendered diff, rebase preview and trail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from deviations.models import ComponentSync
from deviations.reads import queries
from deviations.web.views.pages import render_page


@require_GET
def component_detail(request: HttpRequest, name: str) -> HttpResponse:
    data = queries.component_page(name)
    context = {"section": "components", "c": data.component, "page_data": data}
    return render_page(request, "components/detail.html", context)


@require_GET
def component_diff(request: HttpRequest, name: str) -> HttpResponse:
    """The whole rendered diff as a plain-text patch (for download or a terminal)."""
    sync = get_object_or_404(ComponentSync.objects.only("rendered_diff"), component__name=name)
    response = HttpResponse(sync.rendered_diff, content_type="text/x-diff; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.azl.diff"'
    return response

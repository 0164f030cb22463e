"""One component: its upstream, drift, deviations, rendered diff, rebase preview and trail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from deviations.models import Component, ComponentSync, Watch
from deviations.reads import ownership, queries
from deviations.vocabulary import WatchKind
from deviations.web.converters import carries, component_url
from deviations.web.views import history
from deviations.web.views.pages import render_page


@require_GET
def component_detail(request: HttpRequest, name: str) -> HttpResponse:
    if history.wants_past(request):
        return history.component_detail(request, get_object_or_404(Component, name=name))
    return _page(request, queries.component_page(name))


@require_GET
def component_by_id(request: HttpRequest, pk: int) -> HttpResponse:
    """A component by id: the way to a row whose name no URL path can carry (one recorded
    before the import checked names); any other name redirects to its page."""
    if history.wants_past(request):
        return history.component_detail(request, get_object_or_404(Component, pk=pk))
    data = queries.component_page(pk=pk)
    if carries(data.component.name):
        return redirect(component_url(data.component.name))
    return _page(request, data)


# More deviations than this and their cards start folded (kernel's page was 19,775 px tall
# on a phone with every card open); a link to one (#deviation-<id>) opens it (app.js).
FOLD_CARDS_OVER = 6


def _page(request: HttpRequest, data: queries.ComponentPage) -> HttpResponse:
    watch = Watch.objects.filter(
        user_id=request.user.pk or 0, kind=WatchKind.COMPONENT, component=data.component
    ).first()
    context = {
        "section": "components",
        "c": data.component,
        "page_data": data,
        "fold_cards": len(data.deviations) > FOLD_CARDS_OVER,
        "own": ownership.panel(data.component, request.user, sync=data.sync),
        "watch": watch,
        "here": request.get_full_path(),
    }
    return render_page(request, "components/detail.html", context)


@require_GET
def component_diff(request: HttpRequest, name: str) -> HttpResponse:
    """The whole rendered diff as a plain-text patch (for download or a terminal)."""
    return _diff(ComponentSync.objects.filter(component__name=name))


@require_GET
def component_diff_by_id(request: HttpRequest, pk: int) -> HttpResponse:
    return _diff(ComponentSync.objects.filter(component_id=pk))


def _diff(found: QuerySet[ComponentSync]) -> HttpResponse:
    sync = get_object_or_404(
        found.select_related("component").only("rendered_diff", "component__name")
    )
    response = HttpResponse(sync.rendered_diff, content_type="text/x-diff; charset=utf-8")
    # Whatever the name holds (quotes, line breaks), the header stays one valid header.
    disposition = content_disposition_header(False, f"{sync.component.name}.azl.diff")
    response["Content-Disposition"] = disposition or "inline"
    return response

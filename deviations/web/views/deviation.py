"""One deviation: fields, justification, provenance, verdicts, diff, versions, trail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from deviations.domain import permissions
from deviations.models import Deviation
from deviations.reads import ownership, queries
from deviations.vocabulary import Target
from deviations.web.views import history
from deviations.web.views.pages import render_page
from deviations.web.views.reviews import panel


@require_GET
def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if history.wants_past(request):
        return history.deviation_detail(request, pk)
    data = queries.deviation_page(pk)
    pin = data.results.get(Target.PIN)
    # The review panel for this user, built here (not by a template tag during rendering),
    # reusing the page's reviews and diff so it costs no queries of its own.
    review_panel = panel(
        request.user, data.deviation, past=data.reviews, effect=pin.diff if pin else ""
    )
    upstream = queries.upstream_panel(data.deviation)
    context = {
        "section": "deviations",
        "d": data.deviation,
        "page_data": data,
        "rv": review_panel,
        "note_refusal": review_panel.note_refusal,
        "upstream": upstream,
        "own": ownership.panel(data.deviation, request.user, open_suggestions=upstream.open),
        "can_decide_suggestions": permissions.suggestion_refusal(request.user, data.deviation)
        is None,
    }
    return render_page(request, "deviations/detail.html", context)


@require_GET
def deviation_by_key(request: HttpRequest, name: str, key: str) -> HttpResponse:
    """`/components/<name>/deviations/<key>/`: the same page, by what names a deviation in
    the config (its component and key) rather than by its id in this database."""
    found = get_object_or_404(Deviation.objects.only("pk"), component__name=name, key=key)
    return deviation_detail(request, found.pk)

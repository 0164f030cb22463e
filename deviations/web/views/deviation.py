"""One deviation: fields, justification, provenance, verdicts, diff, versions, trail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.reads import queries
from deviations.web.views.pages import render_page


@require_GET
def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = queries.deviation_page(pk)
    context = {"section": "deviations", "d": data.deviation, "page_data": data}
    return render_page(request, "deviations/detail.html", context)

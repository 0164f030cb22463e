"""The deviation list: every deviation, filterable like the API and the CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.reads import queries, severity
from deviations.reads.filters import DeviationFilter
from deviations.web.views import history
from deviations.web.views.pages import paginate_narrow, render_page

PER_PAGE = 50


@require_GET
def deviation_list(request: HttpRequest) -> HttpResponse:
    if history.wants_past(request):
        return history.deviation_list(request)
    filterset = DeviationFilter(request.GET, queryset=queries.deviation_rows())
    page = paginate_narrow(request, filterset.qs, PER_PAGE)
    severity.mark(page.object_list)
    context = {"section": "deviations", "filter": filterset, "page": page}
    return render_page(request, "deviations/list.html", context, fragments={"results": "results"})

"""The component list: search, filters, sorting and paging, updated in place by htmx."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.reads import queries
from deviations.reads.filters import ComponentFilter
from deviations.web.views import history
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


@require_GET
def component_list(request: HttpRequest) -> HttpResponse:
    if history.wants_past(request):
        return history.component_list(request)
    filterset = ComponentFilter(request.GET, queryset=queries.component_rows())
    page = paginate(request, filterset.qs, PER_PAGE)
    queries.summarize_rows(page.object_list)
    context = {"section": "components", "filter": filterset, "page": page}
    return render_page(request, "components/list.html", context, fragments={"results": "results"})

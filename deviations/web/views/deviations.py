"""The deviation list: every deviation, filterable like the API and the CSV export."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from deviations.domain import watches
from deviations.models import Watch
from deviations.reads import queries, severity
from deviations.reads.filters import DeviationFilter
from deviations.vocabulary import WatchKind
from deviations.web.access import SignedInRequest
from deviations.web.views import history
from deviations.web.views.pages import paginate_narrow, render_page

PER_PAGE = 50


@require_GET
def deviation_list(request: SignedInRequest) -> HttpResponse:
    if history.wants_past(request):
        return history.deviation_list(request)
    filterset = DeviationFilter(request.GET, queryset=queries.deviation_rows())
    page = paginate_narrow(request, filterset.qs, PER_PAGE)
    severity.mark(page.object_list)
    query = watches.normalise_query(request.GET.urlencode())
    context = {
        "section": "deviations",
        "filter": filterset,
        "page": page,
        "watch_query": query,
        "watch": Watch.objects.filter(
            user=request.user, kind=WatchKind.FILTER, query=query
        ).first(),
        "here": request.get_full_path(),
    }
    return render_page(request, "deviations/list.html", context, fragments={"results": "results"})

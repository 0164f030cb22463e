"""The review queue: what needs review or went stale, waiting longest first, filterable.

The list uses the deviation list's FilterSet (same parameters, same meaning);
reviewers tick rows and approve them together after one confirmation page
(`reviews.bulk`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.domain import permissions
from deviations.reads import queries
from deviations.reads.filters import QueueFilter
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    filterset = QueueFilter(request.GET, queryset=queries.queue_rows())
    rows = queries.queue_order(filterset.qs, request.GET.get("sort"))
    page = paginate(request, rows, PER_PAGE)
    context = {
        "section": "reviews",
        "filter": filterset,
        "page": page,
        "can_review": permissions.can_review(request.user),
        "here": request.get_full_path(),
    }
    return render_page(request, "reviews/queue.html", context, fragments={"results": "results"})

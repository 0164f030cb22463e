"""The review queue: what needs review or went stale, waiting longest first, filterable.

The list uses the deviation list's FilterSet (same parameters, same meaning);
reviewers tick rows and approve them together after one confirmation page
(`reviews.bulk`).
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import permissions, queries
from ..filters import DeviationFilter
from ..reviews import OPEN
from .pages import paginate, render_page

PER_PAGE = 50


def queue_rows():
    """Open deviations, each with the moment it started waiting."""
    return (
        queries.deviation_rows()
        .filter(review_state__in=OPEN)
        .annotate(waiting_since=Coalesce("review_state_changed_at", "created_at"))
    )


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    filterset = DeviationFilter(request.GET, queryset=queue_rows())
    rows = filterset.qs
    if not request.GET.get("sort"):
        # Oldest first: waiting longest for a decision (or for a new one, when stale).
        rows = rows.order_by(F("waiting_since").asc(), "id")
    page = paginate(request, rows, PER_PAGE)
    context = {
        "section": "reviews",
        "filter": filterset,
        "page": page,
        "can_review": permissions.can_review(request.user),
        "here": request.get_full_path(),
    }
    return render_page(request, "reviews/queue.html", context, fragments={"results": "results"})

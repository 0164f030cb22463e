"""The review queue: what needs review or went stale, waiting longest first, filterable.

The list uses the deviation list's FilterSet (same parameters, same meaning) plus "I
may decide" (four eyes, for the reader); it marks the rows the reader may not approve
before anything is selected.  Reviewers tick rows and approve them together after one
confirmation page (`reviews.bulk`), or open one: its review page carries the queue's
query string (`?queue=`), so after a decision the next item of the same queue follows
(`position`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_GET

from deviations.domain import permissions
from deviations.reads import queries
from deviations.reads.filters import QueueFilter
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


def queue_params(query: str) -> QueryDict:
    """A queue's query string as its filters (the page number is not one)."""
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    return params


def _filtered(request: HttpRequest, params: QueryDict) -> QueueFilter:
    return QueueFilter(params, queryset=queries.queue_rows(), request=request)


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request, request.GET)
    rows = queries.queue_order(filterset.qs, request.GET.get("sort"))
    page = paginate(request, rows, PER_PAGE)
    can_review = permissions.can_review(request.user)
    refusals = permissions.approval_refusals(request.user, page.object_list) if can_review else {}
    context = {
        "section": "reviews",
        "filter": filterset,
        "page": page,
        "can_review": can_review,
        "refusals": refusals,
        "here": request.get_full_path(),
        # What each row's review page carries, to come back to this queue and walk it.
        "queue": queue_params(request.GET.urlencode()).urlencode(),
    }
    return render_page(request, "reviews/queue.html", context, fragments={"results": "results"})


@dataclass(frozen=True)
class Position:
    """Where one deviation stands in a filtered queue, and its neighbours."""

    query: str  # the queue's query string, without the page
    index: int | None  # 0-based; None when it is not (or no longer) in this queue
    total: int
    previous: int | None
    next: int | None
    # The first other item: where a reviewer goes on from the end of the queue, to the
    # items skipped on the way.
    first: int | None = None

    @property
    def queue_url(self) -> str:
        url = reverse("review_queue")
        return f"{url}?{self.query}" if self.query else url

    def review_url(self, pk: int) -> str:
        return f"{reverse('deviation_review', args=[pk])}?{urlencode({'queue': self.query})}"

    @property
    def previous_url(self) -> str | None:
        return None if self.previous is None else self.review_url(self.previous)

    @property
    def next_url(self) -> str | None:
        return None if self.next is None else self.review_url(self.next)


def position(request: HttpRequest, query: str, pk: int) -> Position:
    """Where deviation `pk` stands in the queue filtered by `query` (one query: the ids).

    A deviation no longer in the queue (decided meanwhile) has no index; its "next" is
    the queue's first item, so a reviewer always has somewhere to go on to.
    """
    params = queue_params(query)
    filterset = _filtered(request, params)
    ids = list(queries.queue_order(filterset.qs, params.get("sort")).values_list("pk", flat=True))
    query = params.urlencode()
    first = next((other for other in ids if other != pk), None)
    if pk not in ids:
        return Position(query, None, len(ids), None, first, first)
    index = ids.index(pk)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return Position(query, index, len(ids), previous, following, first)

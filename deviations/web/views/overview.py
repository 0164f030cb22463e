"""The overview: totals, deviations by kind, overlays, reviews and drift at a glance."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from deviations.reads import ownership, queries, trends
from deviations.vocabulary import DeviationKind
from deviations.web.views.pages import render_page


def _link(view: str, **params: str) -> str:
    return f"{reverse(view)}?{urlencode(params)}"


def _trends() -> list[trends.Chart]:
    """The few trends the overview shows (the trends page has them all)."""
    return trends.overview_charts()


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    data = queries.overview()
    charts = {
        "kinds": [(label, n, _link("deviations", kind=kind)) for kind, label, n in data.by_kind],
        "categories": [
            (category, n, _link("deviations", kind=DeviationKind.OVERLAY, category=category))
            for category, n in data.by_category
        ],
        "statuses": [
            (status, n, _link("deviations", kind=DeviationKind.OVERLAY, upstream_status=status))
            for status, n in data.by_upstream_status
        ],
        "reviews": [
            (state, label, n, _link("deviations", review_state=state))
            for state, label, n in data.by_review_state
        ],
        "behind": [
            (label, n, _link("components", behind=key)) for key, label, n in data.behind_buckets
        ],
    }
    context = {
        "section": "overview",
        "o": data,
        "charts": charts,
        "trends": _trends(),
        # The board for today: acknowledged items out, drift, overdue and no-expiry tiles
        # in (acknowledgements expire by the date); cached per day and audit chain head.
        "board": ownership.board_cached(data.board),
    }
    return render_page(request, "overview.html", context)

"""Sync runs: history, live progress of the running one, per-component errors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import queries
from .pages import paginate, render_page

RUNS_PER_PAGE = 25
ISSUES_PER_PAGE = 100


@require_GET
def sync_runs(request: HttpRequest) -> HttpResponse:
    context = {
        "section": "sync",
        "active": queries.active_sync(),
        "page": paginate(request, queries.sync_runs(), RUNS_PER_PAGE),
    }
    return render_page(request, "sync/list.html", context)


@require_GET
def sync_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's page; its `#progress` fragment is what a running page polls."""
    run = queries.sync_run(pk)
    context = {"section": "sync", "run": run}
    if request.headers.get("HX-Target") != "progress":
        context["issues"] = paginate(request, queries.run_issues(run), ISSUES_PER_PAGE)
    return render_page(request, "sync/detail.html", context, fragments={"progress": "progress"})

"""Sync runs: history, live progress of the running one, per-component errors; start one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from deviations.domain import permissions
from deviations.domain.sync.service import (
    SyncAlreadyRunning,
    SyncError,
    last_base_uri,
    requested,
    start_sync_in_background,
)
from deviations.reads import queries
from deviations.vocabulary import Origin, SyncTrigger
from deviations.web.access import SignedInRequest
from deviations.web.syncsources import shown_options, shown_text
from deviations.web.views.pages import paginate, render_page

RUNS_PER_PAGE = 25
ISSUES_PER_PAGE = 100


@require_GET
def sync_runs(request: SignedInRequest) -> HttpResponse:
    context = {
        "section": "sync",
        "active": queries.active_sync(),
        "page": paginate(request, queries.sync_runs(), RUNS_PER_PAGE),
        "can_start": permissions.can_start_sync(request.user),
        "base_uri": last_base_uri(),
        "upstream_checks": list(queries.upstream_checks()),
        "can_check_upstream": permissions.can_check_upstream(request.user),
    }
    return render_page(request, "sync/list.html", context)


@require_GET
def sync_run(request: SignedInRequest, pk: int) -> HttpResponse:
    """A run's page; its `#progress` fragment is what a running page polls."""
    run = queries.sync_run(pk)
    options = run.options
    run.options = shown_options(options, request.user)
    run.message = shown_text(run.message, options, request.user)
    context = {"section": "sync", "run": run}
    if request.headers.get("HX-Target") != "progress":
        kind = request.GET.get("kind", "")
        issues = paginate(request, queries.run_issues(run, kind), ISSUES_PER_PAGE)
        for issue in issues.object_list:
            issue.message = shown_text(issue.message, options, request.user)
        problems = queries.run_problems(run)
        context.update(
            issues=issues,
            problems=problems,
            problem_total=sum(p.count for p in problems),
            problem_kind=kind,
        )
    return render_page(request, "sync/detail.html", context, fragments={"progress": "progress"})


@require_POST
def start(request: SignedInRequest) -> HttpResponse:
    permissions.require(permissions.can_start_sync(request.user), "Only admins start syncs.")
    names = request.POST.get("components", "").split(",")
    sync_request = requested(names, trigger=SyncTrigger.WEB, origin=Origin.WEB, user=request.user)
    try:
        run = start_sync_in_background(sync_request)
    except SyncAlreadyRunning as exc:
        messages.warning(request, str(exc))
        return redirect("sync_run", pk=exc.run.pk) if exc.run else redirect("sync_runs")
    except SyncError as exc:
        messages.error(request, f"The sync did not start: {exc}")
        return redirect("sync_runs")
    if run is None:
        messages.info(request, "The sync is starting; it appears here in a moment.")
        return redirect("sync_runs")
    messages.success(request, f"Sync #{run.pk} started.")
    return redirect("sync_run", pk=run.pk)

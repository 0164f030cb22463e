"""Sync runs: history, live progress of the running one, per-component errors; start one."""

from __future__ import annotations

import logging
import threading
import time

from django.contrib import messages
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from .. import permissions, queries
from ..models import Origin, SyncRun
from ..sync.service import (
    SyncAlreadyRunning,
    SyncError,
    SyncRequest,
    inline_backend,
    start_sync,
)
from .pages import paginate, render_page

log = logging.getLogger(__name__)

RUNS_PER_PAGE = 25
ISSUES_PER_PAGE = 100
# How long the start view waits for a background sync to create its run record.
START_WAIT_SECONDS = 10.0


@require_GET
def sync_runs(request: HttpRequest) -> HttpResponse:
    last = queries.sync_runs().first()
    context = {
        "section": "sync",
        "active": queries.active_sync(),
        "page": paginate(request, queries.sync_runs(), RUNS_PER_PAGE),
        "can_start": permissions.can_start_sync(request.user),
        "base_uri": _previous_base_uri(last),
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


def _previous_base_uri(run: SyncRun | None) -> str | None:
    """A web sync fetches from where the last sync did (e.g. the demo's local fixtures)."""
    return (run.options or {}).get("dist_git_base_uri") if run else None


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.can_start_sync(request.user), "Only admins start syncs.")
    names = sorted({n.strip() for n in request.POST.get("components", "").split(",") if n.strip()})
    sync_request = SyncRequest(
        components=names or None,
        base_uri=_previous_base_uri(queries.sync_runs().first()),
        trigger="web",
        origin=Origin.WEB,
        user=request.user,
    )
    try:
        run = _launch(sync_request)
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


def _launch(sync_request: SyncRequest) -> SyncRun | None:
    """Start the sync and return its run as soon as it exists.

    With a worker backend `start_sync` only enqueues, so it returns at once.  With
    the immediate backend it would run the whole sync inside this request; it runs
    in a background thread instead, and the page follows its progress.
    """
    if not inline_backend():
        return start_sync(sync_request)
    before = SyncRun.objects.aggregate(last=Max("pk"))["last"] or 0
    failure: list[BaseException] = []

    def work() -> None:
        try:
            start_sync(sync_request)
        except BaseException as exc:  # handed to the waiting request
            failure.append(exc)
            if not isinstance(exc, SyncAlreadyRunning | SyncError):
                log.exception("web-started sync failed")
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="azldrift-web-sync", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        thread.join(0.05)
        if failure and isinstance(failure[0], SyncAlreadyRunning | SyncError):
            raise failure[0]
        run = SyncRun.objects.filter(pk__gt=before).order_by("pk").first()
        if run is not None or not thread.is_alive():
            return run
    return None

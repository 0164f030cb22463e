"""A sync run's life: start (the lock), progress and heartbeat, finish, abandonment.

The lock is the database itself: the partial unique constraint `syncrun_one_active`
allows at most one run that is queued or running, so a second start fails inside the
database, whichever process or machine tries.  A run whose worker died stops sending
heartbeats; the next start marks it abandoned (immediately when it was started by a
process on this machine that no longer exists) and takes over.  Components the dead
run finished are skipped by the incremental check, so the new run resumes cleanly.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from deviations.models import ComponentSync, SyncRun
from deviations.vocabulary import SyncRunStatus, SyncTrigger
from deviations.vocabulary.sync import ACTIVE


def stale_after() -> dt.timedelta:
    """How long without a heartbeat before a run counts as dead."""
    return dt.timedelta(seconds=float(getattr(settings, "SYNC_STALE_SECONDS", 600)))


class SyncAlreadyRunning(Exception):
    """A second sync was refused because one is queued or running."""

    def __init__(self, run: SyncRun | None) -> None:
        self.run = run
        if run is None:
            message = "another sync is already running; try again when it has finished"
        else:
            started = (run.started_at or run.created_at).strftime("%Y-%m-%d %H:%M:%S UTC")
            message = (
                f"sync #{run.pk} is already {run.status} (started {started}, "
                f"{run.done}/{run.total} components done); only one sync runs at a time"
            )
        super().__init__(message)


def _owner() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _process_gone(owner: dict[str, Any] | None) -> bool:
    """True when the run was started by a process on this machine that has exited."""
    if not owner or owner.get("host") != socket.gethostname():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A zombie (exited, not yet reaped) still answers signal 0.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def abandon_dead_runs(now: dt.datetime | None = None) -> list[int]:
    """Mark queued/running runs whose worker is gone as abandoned; returns their ids."""
    now = now or timezone.now()
    limit = now - stale_after()
    abandoned = []
    for run in SyncRun.objects.filter(status__in=ACTIVE):
        beat = run.heartbeat_at or run.started_at or run.created_at
        owner = (run.options or {}).get("owner")
        if beat >= limit and not (owner and owner.get("inline") and _process_gone(owner)):
            continue
        why = (
            "its process has exited"
            if owner and owner.get("inline") and _process_gone(owner)
            else f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC"
        )
        changed = SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(
            status=SyncRunStatus.ABANDONED,
            finished_at=now,
            message=f"abandoned: {why}; a later sync resumes its work",
        )
        if changed:
            abandoned.append(run.pk)
    return abandoned


@dataclass(frozen=True)
class RunRequest:
    trigger: SyncTrigger = SyncTrigger.COMMAND
    user: User | None = None
    options: dict[str, Any] | None = None
    inline: bool = True  # processed by this process (not queued for workers)


def start(request: RunRequest, total: int, engine_version: str) -> SyncRun:
    """Create the run, or raise SyncAlreadyRunning.  The run is the lock."""
    abandon_dead_runs()
    now = timezone.now()
    options = dict(request.options or {})
    options["owner"] = {**_owner(), "inline": request.inline}
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                status=SyncRunStatus.RUNNING if request.inline else SyncRunStatus.QUEUED,
                trigger=request.trigger,
                triggered_by=request.user,
                options=options,
                engine_version=engine_version,
                created_at=now,
                started_at=now if request.inline else None,
                heartbeat_at=now,
                total=total,
            )
    except IntegrityError:
        active = SyncRun.objects.filter(status__in=ACTIVE).order_by("-created_at").first()
        raise SyncAlreadyRunning(active) from None


def mark_started(run_id: int) -> bool:
    """A worker picked the run up: queued -> running.  False if the run is no longer active."""
    now = timezone.now()
    SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.QUEUED).update(
        status=SyncRunStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    return SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.RUNNING).exists()


def is_active(run_id: int) -> bool:
    return SyncRun.objects.filter(pk=run_id, status__in=ACTIVE).exists()


@dataclass
class Progress:
    """Counters gathered by one worker between two flushes."""

    done: int = 0
    changed: int = 0
    skipped: int = 0
    errors: int = 0

    def any(self) -> bool:
        return bool(self.done or self.changed or self.skipped or self.errors)


def flush(run_id: int, progress: Progress) -> None:
    """Add a worker's counters to the run, in a small transaction of its own."""
    with transaction.atomic():
        SyncRun.objects.filter(pk=run_id).update(
            done=F("done") + progress.done,
            changed=F("changed") + progress.changed,
            skipped=F("skipped") + progress.skipped,
            errors=F("errors") + progress.errors,
            heartbeat_at=timezone.now(),
        )
    progress.done = progress.changed = progress.skipped = progress.errors = 0


def finish_if_complete(run_id: int) -> bool:
    """Close the run once every component is done (whichever worker gets there first)."""
    now = timezone.now()
    closed = SyncRun.objects.filter(
        Q(pk=run_id, status__in=ACTIVE) & Q(done__gte=F("total"))
    ).update(status=SyncRunStatus.SUCCEEDED, finished_at=now, heartbeat_at=now)
    if closed:
        SyncRun.objects.filter(pk=run_id).update(summary=drift_summary())
    return bool(closed)


def drift_summary() -> dict[str, int]:
    """Drift when a run closes, kept with it for the trends (one aggregate query)."""
    found = ComponentSync.objects.filter(component__removed=False).aggregate(
        synced=Count("pk"),
        behind=Count("pk", filter=Q(commits_behind__gte=1)),
        commits_behind=Sum("commits_behind"),
        failing_at_tip=Sum("failing_at_tip"),
        noop_at_tip=Sum("noop_at_tip"),
        obsolete=Sum("obsolete_count"),
        errors=Count("pk", filter=~Q(error_kind="")),
    )
    return {key: int(value or 0) for key, value in found.items()}


def fail(run_id: int, message: str) -> None:
    SyncRun.objects.filter(pk=run_id, status__in=ACTIVE).update(
        status=SyncRunStatus.FAILED, finished_at=timezone.now(), message=message[:10_000]
    )

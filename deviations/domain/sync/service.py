"""Starting a sync: the lock, the batches, and the tasks that process them.

`start_sync()` is what the command, the web UI and the API call.  It takes the lock
(creates the run), splits the components into batches and enqueues one
`deviations.domain.sync.tasks.sync_batch` task per batch.  With the default immediate backend the
batches run right there, one after another, and the run is finished when this returns;
with the database backend (`TASKS_BACKEND=database`) they wait for `manage.py db_worker`
processes — as many as you start, on one machine or several — and `wait_for()` follows
the run until the last batch is done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Max
from django.tasks import task_backends
from django.tasks.backends.immediate import ImmediateBackend

from deviations.core.distgit import DistGitError
from deviations.core.distgit.remotes import expand_base_uri
from deviations.core.lookaside import LookasideError, check_template
from deviations.domain.sync import runs, tasks
from deviations.domain.sync.jobs import component_ids
from deviations.domain.sync.render import engine_version
from deviations.domain.sync.runs import SyncAlreadyRunning
from deviations.models import SyncRun
from deviations.vocabulary import Origin, SyncTrigger
from deviations.vocabulary.sync import ACTIVE

__all__ = [
    "SyncAlreadyRunning",
    "SyncError",
    "SyncRequest",
    "last_base_uri",
    "requested",
    "start_sync",
    "start_sync_in_background",
    "wait_for",
]

log = logging.getLogger(__name__)
# How long a web or API request waits for a background sync to create its run record.
START_WAIT_SECONDS = 10.0


class SyncError(ValueError):
    """A sync that cannot start as asked (unknown component, unsafe URL template, ...)."""


@dataclass
class SyncRequest:
    components: list[str] | None = None  # None: every current component
    workers: int | None = None  # parallel git jobs per batch
    base_uri: str | None = None  # overrides every distro's dist-git-base-uri ($pkg)
    lookaside_base_uri: str | None = None  # overrides every distro's lookaside-base-uri
    trigger: SyncTrigger = SyncTrigger.COMMAND
    origin: Origin = Origin.COMMAND
    user: User | None = None
    batch_size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def inline_backend() -> bool:
    """True when tasks run in the caller (the immediate backend)."""
    return isinstance(task_backends["default"], ImmediateBackend)


def batch_size(total: int, requested: int | None) -> int:
    configured = requested or int(getattr(settings, "SYNC_BATCH_SIZE", 0) or 0)
    if configured:
        return max(1, configured)
    # Enough batches for several workers to share, few enough to keep task overhead low.
    return max(25, min(500, -(-total // 16)))


def _check_base_uri(base_uri: str | None) -> None:
    if base_uri is None:
        return
    try:
        expand_base_uri(base_uri, "example")
    except DistGitError as exc:
        raise SyncError(f"--dist-git-base-uri: {exc}") from None


def _check_lookaside_uri(template: str | None) -> None:
    if template is None:
        return
    try:
        check_template(template)
    except LookasideError as exc:
        raise SyncError(f"--lookaside-base-uri: {exc}") from None


def start_sync(request: SyncRequest) -> SyncRun:
    """Create the run (the lock) and enqueue its batches; SyncAlreadyRunning if one is on."""
    _check_base_uri(request.base_uri)
    _check_lookaside_uri(request.lookaside_base_uri)
    ids, unknown = component_ids(request.components)
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise SyncError(f"unknown component(s): {shown}")
    inline = inline_backend()
    options = {
        "components": request.components,
        "workers": request.workers,
        "dist_git_base_uri": request.base_uri,
        # Read by every batch from the run (the tasks' arguments stay as they are).
        "lookaside_base_uri": request.lookaside_base_uri,
        **request.extra,
    }
    run = runs.start(
        runs.RunRequest(request.trigger, request.user, options, inline),
        total=len(ids),
        engine_version=engine_version(),
    )
    size = batch_size(len(ids), request.batch_size)
    for start in range(0, len(ids), size):
        tasks.sync_batch.enqueue(
            run.pk, ids[start : start + size], request.base_uri, request.workers, request.origin
        )
    runs.finish_if_complete(run.pk)  # nothing to do at all
    run.refresh_from_db()
    return run


def wait_for(
    run: SyncRun, poll: float = 1.0, on_progress: Callable[[SyncRun], None] | None = None
) -> SyncRun:
    """Follow a queued or running run until it ends (database backend)."""
    while True:
        run.refresh_from_db()
        if on_progress is not None:
            on_progress(run)
        if run.status not in ACTIVE:
            return run
        if runs.abandon_dead_runs():
            continue
        time.sleep(poll)


def last_base_uri() -> str | None:
    """Where the last sync fetched from (a web or API sync fetches from there too,
    e.g. the demo's local fixtures)."""
    run = SyncRun.objects.order_by("-created_at").only("options").first()
    return (run.options or {}).get("dist_git_base_uri") if run else None


def requested(
    components: Iterable[str], *, trigger: SyncTrigger, origin: Origin, user: User | None
) -> SyncRequest:
    """A sync someone starts from the web or the API: the named components (names trimmed,
    blanks dropped; none named: all), fetched from where the last sync fetched."""
    names = sorted({name.strip() for name in components if name.strip()})
    return SyncRequest(
        components=names or None,
        base_uri=last_base_uri(),
        trigger=trigger,
        origin=origin,
        user=user,
    )


def start_sync_in_background(request: SyncRequest) -> SyncRun | None:
    """Start a sync for a web or API request and return its run as soon as it exists.

    With a worker backend `start_sync` only enqueues, so it returns at once.  With
    the immediate backend it would run the whole sync inside the request; it runs
    in a background thread instead, and the caller follows its progress.  None
    when the run did not appear within START_WAIT_SECONDS.
    """
    if not inline_backend():
        return start_sync(request)
    before = SyncRun.objects.aggregate(last=Max("pk"))["last"] or 0
    failure: list[BaseException] = []

    def work() -> None:
        try:
            start_sync(request)
        except BaseException as exc:  # handed to the waiting request
            failure.append(exc)
            if not isinstance(exc, SyncAlreadyRunning | SyncError):
                log.exception("background sync failed")
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="azldrift-sync", daemon=True)
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

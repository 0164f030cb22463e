"""Starting a sync: the lock, the batches, and the tasks that process them.

`start_sync()` is what the command, the web UI and the API call.  It takes the lock
(creates the run), splits the components into batches and enqueues one
`deviations.tasks.sync_batch` task per batch.  With the default immediate backend the
batches run right there, one after another, and the run is finished when this returns;
with the database backend (`TASKS_BACKEND=database`) they wait for `manage.py db_worker`
processes — as many as you start, on one machine or several — and `wait_for()` follows
the run until the last batch is done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings

from ..core.distgit import DistGitError
from ..core.distgit.urls import expand_base_uri
from ..models import Origin, SyncRun
from . import runs
from .jobs import component_ids
from .runs import SyncAlreadyRunning

__all__ = ["SyncAlreadyRunning", "SyncError", "SyncRequest", "start_sync", "wait_for"]


class SyncError(ValueError):
    """A sync that cannot start as asked (unknown component, unsafe URL template, ...)."""


@dataclass
class SyncRequest:
    components: list[str] | None = None  # None: every current component
    workers: int | None = None  # parallel git jobs per batch
    base_uri: str | None = None  # overrides every distro's dist-git-base-uri ($pkg)
    trigger: str = "command"
    origin: str = Origin.COMMAND
    user: object | None = None
    batch_size: int | None = None
    extra: dict = field(default_factory=dict)


def inline_backend() -> bool:
    """True when tasks run in the caller (the immediate backend)."""
    from django.tasks import task_backends
    from django.tasks.backends.immediate import ImmediateBackend

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


def _engine_version() -> str:
    from .render import engine_version

    try:
        return engine_version()
    except ImportError:
        return ""


def start_sync(request: SyncRequest) -> SyncRun:
    """Create the run (the lock) and enqueue its batches; SyncAlreadyRunning if one is on."""
    from .. import tasks  # the tasks import this package

    _check_base_uri(request.base_uri)
    ids, unknown = component_ids(request.components)
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise SyncError(f"unknown component(s): {shown}")
    inline = inline_backend()
    options = {
        "components": request.components,
        "workers": request.workers,
        "dist_git_base_uri": request.base_uri,
        **request.extra,
    }
    run = runs.start(
        runs.RunRequest(request.trigger, request.user, options, inline),
        total=len(ids),
        engine_version=_engine_version(),
    )
    size = batch_size(len(ids), request.batch_size)
    for start in range(0, len(ids), size):
        tasks.sync_batch.enqueue(
            run.pk, ids[start : start + size], request.base_uri, request.workers, request.origin
        )
    runs.finish_if_complete(run.pk)  # nothing to do at all
    run.refresh_from_db()
    return run


def wait_for(run: SyncRun, poll: float = 1.0, on_progress=None) -> SyncRun:
    """Follow a queued or running run until it ends (database backend)."""
    while True:
        run.refresh_from_db()
        if on_progress is not None:
            on_progress(run)
        if run.status not in runs.ACTIVE:
            return run
        if runs.abandon_dead_runs():
            continue
        time.sleep(poll)

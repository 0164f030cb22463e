"""Background work, as tasks of Django's tasks framework (`django.tasks`).

The default backend is immediate (a task runs in the caller; nothing to set up).  With
`TASKS_BACKEND=database` the tasks are rows in the database and `manage.py db_worker`
processes run them; any number of workers on any number of machines share a sync, one
task per batch of components (see deviations.domain.sync.service).
"""

from __future__ import annotations

from typing import TypedDict

from django.tasks import task

from deviations.domain.sync import runs
from deviations.domain.sync.batch import run_batch
from deviations.vocabulary import Origin


class BatchSummary(TypedDict):
    """A batch task's result."""

    run: int
    processed: int
    changed: int
    skipped: int
    errors: int
    stopped: bool


@task()
def sync_batch(
    run_id: int,
    component_ids: list[int],
    base_uri: str | None = None,
    workers: int | None = None,
    origin: str = Origin.TASK,
) -> BatchSummary:
    """Sync a batch of components of run `run_id`; the last batch closes the run."""
    try:
        # The task's arguments travel as JSON: the origin arrives as its value.
        result = run_batch(
            run_id, component_ids, base_uri=base_uri, workers=workers, origin=Origin(origin)
        )
    except BaseException as exc:
        # The immediate backend would swallow the error into the task result: record it
        # on the run so the command, the UI and the next start see what happened.
        runs.fail(run_id, f"a batch of {len(component_ids)} components stopped: {exc!r}")
        raise
    return {
        "run": run_id,
        "processed": result.processed,
        "changed": result.changed,
        "skipped": result.skipped,
        "errors": result.errors,
        "stopped": result.stopped,
    }

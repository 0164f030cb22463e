"""A sync run's states, and what started it."""

from __future__ import annotations

from .base import Vocabulary


class SyncRunStatus(Vocabulary):
    QUEUED = "queued", "queued", "The run exists; its batches wait for a worker."
    RUNNING = "running", "running", "Workers are syncing its components."
    SUCCEEDED = (
        "succeeded",
        "succeeded",
        "Every component was synced; some may have problems of their own (the run's issues).",
    )
    FAILED = "failed", "failed", "The run stopped on an error that was not one component's."
    ABANDONED = (
        "abandoned",
        "abandoned",
        "Its worker died (no heartbeat); a later run took over.",
    )


# The states of a run that holds the one-sync-at-a-time lock.
ACTIVE = (SyncRunStatus.QUEUED, SyncRunStatus.RUNNING)


class SyncTrigger(Vocabulary):
    COMMAND = "command", "command", "The `manage.py sync` command (or the demo) started it."
    WEB = "web", "web", "An admin started it on the sync runs page."
    API = "api", "API", "An admin started it through the REST API."
    TASK = "task", "task", "A background task started it."

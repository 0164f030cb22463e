"""The states of an import of the config."""

from __future__ import annotations

from .base import Vocabulary


class ImportRunStatus(Vocabulary):
    RUNNING = "running", "running", "The import is writing its changes."
    SUCCEEDED = "succeeded", "succeeded", "The import wrote every change of the config."


class CommitRead(Vocabulary):
    """How the history replay read a config commit."""

    LOADED = "loaded", "loaded", "The replay loaded the config at this commit."
    SKIPPED = (
        "skipped",
        "no config change",
        "The commit changed no file the config reads; the record stood as before it.",
    )
    INVALID = (
        "invalid",
        "did not load",
        "The config at this commit did not load by its time's rules; the record stood as before.",
    )


class HistoryChange(Vocabulary):
    """What happened to a deviation between two points of the config's history."""

    ADDED = "added", "added", "The deviation entered the config (or came back to it)."
    CHANGED = (
        "changed",
        "changed",
        "The deviation's content or justification differs between the two points.",
    )
    REMOVED = "removed", "removed", "The deviation left the config."

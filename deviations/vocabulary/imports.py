"""The states of an import of the config."""

from __future__ import annotations

from .base import Vocabulary


class ImportRunStatus(Vocabulary):
    RUNNING = "running", "running", "The import is writing its changes."
    SUCCEEDED = "succeeded", "succeeded", "The import wrote every change of the config."

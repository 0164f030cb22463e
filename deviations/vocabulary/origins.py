"""Where a change came from: the face of the app a person or a job used."""

from __future__ import annotations

from .base import Vocabulary


class Origin(Vocabulary):
    WEB = "web", "web", "A page of the web UI."
    API = "api", "API", "The REST API."
    COMMAND = "command", "command", "A `manage.py` command."
    TASK = "task", "task", "A background task run by a worker."
    ADMIN = "admin", "admin", "The Django admin."

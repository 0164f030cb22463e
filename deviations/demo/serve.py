"""The last step of `manage.py demo` (and so of `bin/run`): serve the UI on 127.0.0.1.

Django's threaded server with DEBUG off; WhiteNoise serves the static files (collected
here when they are not yet).  PORT picks the port (default 8000); `--no-serve` skips
the step (tests, scripts).
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

HOST = "127.0.0.1"


def port_from_env() -> int:
    raw = os.environ.get("PORT", "8000").strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise CommandError(f"PORT must be a number from 1 to 65535, not {raw!r}")
    return int(raw)


def _collect_static(command: Any) -> None:
    # The manifest storage cannot name a file collectstatic has not written.
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        command.stdout.write("collecting static files ...")
        call_command("collectstatic", interactive=False, verbosity=0)


def serve_ui(command: Any, context: dict[str, Any]) -> None:
    """Serve the UI until Ctrl-C, printing its address."""
    if context["options"].get("no_serve"):
        command.stdout.write("Not serving the UI (--no-serve).")
        return
    port = port_from_env()
    _collect_static(command)
    command.stdout.write(
        command.style.SUCCESS(f"azldrift is serving on http://{HOST}:{port}/")
        + "  (log in as a demo user above; Ctrl-C stops it)"
    )
    command.stdout.flush()
    call_command("runserver", f"{HOST}:{port}", use_reloader=False, skip_checks=True)

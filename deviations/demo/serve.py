"""The last step of `manage.py demo` (and so of `bin/run`): serve the UI on 127.0.0.1.

Django's threaded server with DEBUG off; WhiteNoise serves the static files (collected
first when they are not yet).  PORT picks the port (default 8000); `--no-serve` skips
the step (tests, scripts).  The command prints; these functions do.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

HOST = "127.0.0.1"


def port_from_env() -> int:
    raw = os.environ.get("PORT", "8000").strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise CommandError(f"PORT must be a number from 1 to 65535, not {raw!r}")
    return int(raw)


def static_collected() -> bool:
    # The manifest storage cannot name a file collectstatic has not written.
    return (settings.STATIC_ROOT / "staticfiles.json").exists()


def collect_static() -> None:
    call_command("collectstatic", interactive=False, verbosity=0)


def serve(port: int) -> None:
    """Serve the UI until Ctrl-C."""
    call_command("runserver", f"{HOST}:{port}", use_reloader=False, skip_checks=True)

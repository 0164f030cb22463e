"""manage.py demo: azldrift's main job on the bundled demo data (what `bin/run` runs).

A sequence of steps, each a small function of the command and a shared context dict,
run in order.  Later steps (building the demo's local dist-git repositories and
syncing, then serving the UI on 127.0.0.1) are added to STEPS below.  Nothing here
needs the network: the demo config and its fake upstreams live in `demo/`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.importer import ImportFailed, import_config
from deviations.reviews_demo import demo_people_and_reviews
from deviations.serve import serve_ui
from deviations.sync.demo import STEPS as SYNC_STEPS

from .import_config import render_text, report

DEMO_CONFIG = Path(settings.BASE_DIR) / "demo" / "config"

Step = Callable[["Command", dict[str, Any]], None]


def import_demo_config(command: Command, context: dict[str, Any]) -> None:
    """Import the demo config and print what was found."""
    try:
        result = import_config(context["config"])
    except ImportFailed as exc:
        raise CommandError(f"the demo config does not load:\n{exc}") from None
    context["import"] = result
    command.stdout.write(render_text(report(result, [])))


# (title, function) in the order they run.
STEPS: list[tuple[str, Step]] = [
    ("Importing the demo config", import_demo_config),
    *SYNC_STEPS,  # build the local fake Fedora repositories, sync, print the drift
    ("Demo users and reviews", demo_people_and_reviews),
    ("Serving the UI", serve_ui),  # blocks until Ctrl-C: keep it last
]


class Command(BaseCommand):
    help = "Run azldrift's main job on the bundled demo data (no network)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--config", default=str(DEMO_CONFIG), help="config folder to import (default: demo/)"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="stop after the data steps (no web server)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        context: dict[str, Any] = {"config": options["config"], "options": options}
        for number, (title, step) in enumerate(STEPS, start=1):
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{number}/{len(STEPS)}] {title}"))
            step(self, context)
            self.stdout.write("")

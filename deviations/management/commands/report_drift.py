"""manage.py report_drift: per component, how far Fedora moved past the pin, and what breaks."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain.sync.report import FIELDS, drift_rows


class Command(BaseCommand):
    help = (
        "List every component's pinned commit, branch tip, commits behind, version/release at "
        "pin and tip, overlays failing at the tip, obsolete-overlay candidates and sync error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--components", help="comma-separated component names (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        names = None
        if options["components"]:
            names = [n.strip() for n in options["components"].split(",") if n.strip()]
            if not names:
                raise CommandError("--components needs at least one name")
        rows = drift_rows(names)
        if options["format"] == "json":
            self.stdout.write("[", ending="")
            for i, row in enumerate(rows):
                self.stdout.write(("," if i else "") + "\n" + json.dumps(row), ending="")
            self.stdout.write("\n]")
            return
        writer = csv.writer(self.stdout, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow(_cell(row[f]) for f in FIELDS)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)

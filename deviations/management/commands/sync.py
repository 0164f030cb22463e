"""manage.py sync: fetch Fedora dist-git, resolve pins, render, and record drift."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain.sync import SyncAlreadyRunning, SyncError, SyncRequest, start_sync, wait_for

from ...models import SyncRun
from ...vocabulary import Origin, SyncRunStatus, SyncTrigger


def run_summary(run: SyncRun) -> dict:
    duration = None
    if run.started_at and run.finished_at:
        duration = round((run.finished_at - run.started_at).total_seconds(), 3)
    return {
        "run": run.pk,
        "status": run.status,
        "trigger": run.trigger,
        "total": run.total,
        "done": run.done,
        "changed": run.changed,
        "skipped": run.skipped,
        "errors": run.errors,
        "engine_version": run.engine_version,
        "options": {k: v for k, v in (run.options or {}).items() if k != "owner"},
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_seconds": duration,
        "message": run.message,
        "issues": [
            {"component": i.component_name, "kind": i.kind, "message": i.message}
            for i in run.issues.order_by("component_name", "pk")
        ],
    }


class Command(BaseCommand):
    help = (
        "Sync every component (or --components) with its Fedora dist-git repository: "
        "pin, tip, drift, rendered diff and each overlay's verdict."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--components", help="comma-separated component names (default: all)")
        parser.add_argument(
            "--workers", type=int, help="parallel git jobs per batch (default: 2 per CPU)"
        )
        parser.add_argument(
            "--dist-git-base-uri",
            dest="base_uri",
            help="use this URL template instead of the distros' dist-git-base-uri, "
            "e.g. 'file:///srv/distgit/$pkg.git' (recorded with the run)",
        )
        parser.add_argument(
            "--lookaside-base-uri",
            dest="lookaside_base_uri",
            help="use this template instead of the distros' lookaside-base-uri for source "
            "archives, e.g. 'file:///srv/lookaside/$pkg/$filename/$hashtype/$hash/$filename' "
            "(recorded with the run)",
        )
        parser.add_argument("--batch-size", type=int, help="components per task (batch)")
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="with a worker backend: enqueue and return instead of following the run",
        )
        parser.add_argument("--json", action="store_true", help="print the run as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        names = None
        if options["components"]:
            names = sorted({n.strip() for n in options["components"].split(",") if n.strip()})
            if not names:
                raise CommandError("--components needs at least one name")
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        request = SyncRequest(
            components=names,
            workers=options["workers"],
            base_uri=options["base_uri"],
            lookaside_base_uri=options["lookaside_base_uri"],
            trigger=SyncTrigger.COMMAND,
            origin=Origin.COMMAND,
            batch_size=options["batch_size"],
        )
        try:
            run = start_sync(request)
        except (SyncAlreadyRunning, SyncError) as exc:
            raise CommandError(str(exc)) from None
        if run.status in (SyncRunStatus.QUEUED, SyncRunStatus.RUNNING):
            if options["no_wait"]:
                self._print(run, options, waiting=True)
                return
            if run.status == SyncRunStatus.QUEUED and not options["json"]:
                self.stderr.write(
                    f"sync #{run.pk} queued for workers (start `manage.py db_worker`); following it"
                )
            run = wait_for(run, on_progress=None if options["json"] else self._progress)
        self._print(run, options)
        if run.status != SyncRunStatus.SUCCEEDED:
            raise CommandError(f"sync #{run.pk} {run.status}: {run.message}")

    def _progress(self, run: SyncRun) -> None:
        if sys.stderr.isatty():
            self.stderr.write(f"\r  {run.done}/{run.total} components", ending="")

    def _print(self, run: SyncRun, options: dict[str, Any], waiting: bool = False) -> None:
        summary = run_summary(run)
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=1))
            return
        if waiting:
            self.stdout.write(f"sync #{run.pk} {run.status}: {run.total} components in batches")
            return
        self.stdout.write(
            f"sync #{run.pk} {run.status} in {summary['duration_seconds']}s: "
            f"{run.total} components, {run.changed} changed, {run.skipped} unchanged, "
            f"{run.errors} with errors"
        )
        for issue in summary["issues"][:50]:
            self.stdout.write(f"  {issue['component']}: [{issue['kind']}] {issue['message']}")
        if len(summary["issues"]) > 50:
            self.stdout.write(f"  ... {len(summary['issues']) - 50} more (see --json)")

"""`manage.py verify_audit`: check the whole audit chain; exit 0 only when intact."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain from the first event to the head and name the "
        "first event that was altered, removed or reordered. Exit status 0 only when intact."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = audit.verify()
        seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "first_bad_seq": result.first_bad_seq,
                        "problem": result.problem,
                        "head_seq": result.head_seq,
                        "head_hash": result.head_hash,
                        "seconds": round(seconds, 3),
                    }
                )
            )
        if not result.ok:
            raise CommandError(
                f"audit trail NOT intact: {result.problem} "
                f"({result.checked} events verified before it)"
            )
        if not options["json"]:
            # The head hash is worth keeping elsewhere: it also vouches for everything before it.
            self.stdout.write(
                f"audit trail intact: {result.checked} events, head #{result.head_seq} "
                f"{result.head_hash} ({seconds:.1f} s)"
            )

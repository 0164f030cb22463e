"""`manage.py verify_audit`: check the whole audit chain; exit 0 only when intact."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit


class Command(BaseCommand):
    help = (
        "Check the audit trail: its hash chain from the first event to the head (the first "
        "event altered, removed or reordered), events past the head, and records whose events "
        "it lacks (an emptied or cut-short trail). Exit status 0 only when intact."
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
                        "problems": result.problems,
                        "head_seq": result.head_seq,
                        "head_hash": result.head_hash,
                        "seconds": round(seconds, 3),
                    }
                )
            )
        if not result.ok:
            also = "".join(f"\n  also: {problem}" for problem in result.problems[1:])
            before = " before it" if result.first_bad_seq is not None else ""
            raise CommandError(
                f"audit trail NOT intact: {result.problem} "
                f"({result.checked} events verified{before}){also}"
            )
        if not options["json"]:
            # The head hash is worth keeping elsewhere: it also vouches for everything before it.
            self.stdout.write(
                f"audit trail intact: {result.checked} events, head #{result.head_seq} "
                f"{result.head_hash} ({seconds:.1f} s)"
            )

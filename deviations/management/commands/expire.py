"""`manage.py expire`: write down the acknowledgements that stopped holding.

    expire [--dry-run]

Pages and counts compute whether an acknowledgement still holds when they are read (its
expiry date, its basis), so nothing waits for this command; it records, as audit events,
what expired (`acknowledgement.expired`) or lapsed because its basis changed
(`acknowledgement.lapsed`, saying what changed), once each: run it as often as you like,
from cron or a systemd timer (README, "Owners, due dates and acknowledgements").
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from deviations.domain import audit, ownership
from deviations.models import Origin
from deviations.reads import ownership as reads
from deviations.vocabulary import AcknowledgementState


class Command(BaseCommand):
    help = "Record acknowledgements that expired or whose basis changed (audit events, once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be recorded; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            day = ownership.today()
            held = set(ownership.holding(day).values_list("pk", flat=True))
            pending = [
                a
                for a in reads.acknowledgement_rows().filter(state=AcknowledgementState.ACTIVE)
                if a.pk not in held
            ]
            for ack in pending:
                why = "expired" if ack.expires_on <= day else "basis changed"
                self.stdout.write(
                    f"would record #{ack.pk} ({ack.subject}, {ack.component.name}): {why}"
                )
            self.stdout.write(f"{len(pending)} acknowledgement(s) to record; nothing written.")
            return
        actor = audit.Actor.job(f"manage.py expire ({getpass.getuser()})", Origin.COMMAND)
        lapsed = ownership.record_lapsed(actor)
        for ack in lapsed.expired:
            self.stdout.write(f"expired #{ack.pk} ({ack.subject}, {ack.component.name})")
        for ack in lapsed.basis_changed:
            self.stdout.write(f"basis changed #{ack.pk} ({ack.subject}, {ack.component.name})")
        self.stdout.write(
            f"{len(lapsed.expired)} expired, {len(lapsed.basis_changed)} lapsed; "
            "each recorded once."
        )

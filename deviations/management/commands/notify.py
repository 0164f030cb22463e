"""`manage.py notify [--dry-run] [--since WHEN]`: e-mail each user one digest of what
changed for them since the last run (see README, "Notifications").

Run it from cron or a systemd timer.  Every item is sent once: a second run right after
the first sends nothing.  A digest the mail server refuses is reported (exit status 1)
while the others go; that run is left unfinished, so the next one reads its events again.
`--since` reads the audit events from a moment on
(`2026-12-01`, `2026-12-01T08:00`, `24h`, `7d`) instead of after the last run's; items
already sent are still left out.  `--dry-run` prints the digests, sends and records
nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.mail import mailers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from deviations.domain import notify
from deviations.reads import notify as gather

FIRST_RUN_WINDOW = dt.timedelta(hours=24)  # what a first run without --since reads
_RELATIVE = re.compile(r"(\d+)([hd])")


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    """A moment: an ISO date or date-time (UTC unless it says), or `N h` / `N d` ago."""
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        n, unit = int(relative[1]), relative[2]
        return now - (dt.timedelta(hours=n) if unit == "h" else dt.timedelta(days=n))
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--since {text!r}: give a date (2026-12-01), a date-time (2026-12-01T08:00) "
            "or hours or days ago (24h, 7d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "E-mail each user one digest of what changed for them since the last run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print; send nothing")
        parser.add_argument("--since", help="read events from then on (date, date-time, 24h, 7d)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        until = gather.head_seq()
        last = notify.last_run()
        if options["since"]:
            since = gather.first_seq_since(parse_since(options["since"], now))
        elif last is not None:
            since = last.until_seq + 1
        else:
            since = gather.first_seq_since(now - FIRST_RUN_WINDOW)
        drafts = gather.digests(since, until)
        window = f"audit events #{since}-#{until}" if since <= until else "no new audit events"
        if options["dry_run"]:
            for draft in drafts:
                self.stdout.write(notify.message(draft).message().as_string())
                self.stdout.write("")
            items = sum(len(d.items) for d in drafts)
            self.stdout.write(f"dry run: {len(drafts)} digests, {items} items ({window})")
            return
        run = notify.start_run(since, until)
        sent = items = 0
        failed: list[str] = []
        with mailers.default as mailer:  # one connection for every digest
            for draft in drafts:
                name = draft.user.get_username()
                try:
                    digest = notify.deliver(run, draft, mailer)
                except (OSError, notify.MailNotSent) as error:  # SMTP errors are OSErrors
                    failed.append(name)
                    self.stderr.write(f"{name}: not sent ({error}); the next run tries again")
                    continue
                if digest is not None:
                    sent += 1
                    items += len(draft.items)
                    self.stdout.write(f"{name}: {len(draft.items)} items")
        if failed:
            # Left unfinished, so the next run reads these events again (what was sent
            # is not sent twice).
            raise CommandError(
                f"notify #{run.pk}: {sent} digests sent, {len(failed)} not "
                f"({', '.join(failed)}); {window}"
            )
        notify.finish_run(run, sent, items)
        self.stdout.write(f"notify #{run.pk}: {sent} digests, {items} items ({window})")

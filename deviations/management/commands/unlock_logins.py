"""`manage.py unlock_logins`: list login lockouts and lift them, each unlock audited.

    unlock_logins --list
    unlock_logins --username NAME [--ip ADDRESS]
    unlock_logins --ip ADDRESS
    unlock_logins --all

A lockout (settings.LOGIN_FAILURE_LIMIT failed password checks within
LOGIN_LOCKOUT_MINUTES, per username and per client address) ends by itself
after LOGIN_LOCKOUT_MINUTES; this lifts it now.  django-axes' own
`axes_reset*` commands do the same through deviations.domain.logins, so they
are audited too.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit, logins
from deviations.models import Origin


def unlock_from_command(command: str, **what: Any) -> int:
    """One audited unlock, its actor the command and the shell user running it."""
    actor = audit.Actor.job(f"manage.py {command} ({getpass.getuser()})", Origin.COMMAND)
    try:
        return logins.unlock(actor, **what)
    except logins.NothingToUnlock as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = "List login lockouts, or lift one now (every unlock is an audit event)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="show what is locked now")
        parser.add_argument("--username", help="forget this username's failed logins")
        parser.add_argument("--ip", help="forget this client address's failed logins")
        parser.add_argument("--all", action="store_true", help="forget every failed login")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            found = logins.lockouts()
            for lockout in found:
                self.stdout.write(
                    f"{lockout.kind} {lockout.value}: {lockout.failures} failures, "
                    f"locked until {lockout.until:%Y-%m-%d %H:%M:%S} UTC"
                )
            if not found:
                self.stdout.write("Nothing is locked.")
            return
        if options["all"] and (options["username"] or options["ip"]):
            raise CommandError("--all unlocks everything; leave out --username and --ip.")
        count = unlock_from_command(
            "unlock_logins",
            username=options["username"],
            ip_address=options["ip"],
            everything=options["all"],
        )
        self.stdout.write(
            f"Unlocked: {count} failed-login record{'s' if count != 1 else ''} removed."
            if count
            else "Nothing to unlock: no failed logins recorded for that."
        )

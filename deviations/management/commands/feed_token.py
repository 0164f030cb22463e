"""`manage.py feed_token USERNAME [--revoke]`: give a user a new feed key (printed), or take it.

For operators (a key leaked in a shared feed reader's list, an account leaving); people
make and revoke their own on the Mine page.  Both are audit events, never the key itself.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit, feeds
from deviations.vocabulary import Origin


class Command(BaseCommand):
    help = "Make a new feed key for a user (replacing any old one) and print it; or --revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="delete the user's feed key")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        actor = audit.Actor.job(f"manage.py feed_token ({getpass.getuser()})", Origin.COMMAND)
        if options["revoke"]:
            if not feeds.revoke(actor, user):
                raise CommandError(f"{user.get_username()} has no feed key")
            self.stderr.write(f"revoked {user.get_username()}'s feed key")
            return
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is deactivated; a feed key would not work")
        self.stdout.write(feeds.issue(actor, user))

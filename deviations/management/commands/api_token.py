"""`manage.py api_token USERNAME [--revoke]`: give a user a new API token (printed), or take it.

For operators and scripts; people get their own from the `/api/token/` page.
Both are audit events (never the key itself).
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit, tokens

from ...vocabulary import Origin


class Command(BaseCommand):
    help = "Make a new API token for a user (replacing any old one) and print it; or --revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="delete the user's token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is deactivated; a token would not work")
        actor = audit.Actor.job(f"manage.py api_token ({getpass.getuser()})", Origin.COMMAND)
        if options["revoke"]:
            if not tokens.revoke(actor, user):
                raise CommandError(f"{user.get_username()} has no token")
            self.stderr.write(f"revoked {user.get_username()}'s API token")
            return
        token = tokens.issue(actor, user)
        self.stdout.write(token.key)

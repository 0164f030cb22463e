"""`manage.py setup_roles`: create the viewer, reviewer and admin groups (idempotent)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand

from deviations.domain import audit, people, permissions
from deviations.vocabulary import Origin


class Command(BaseCommand):
    help = "Create the role groups (viewer, reviewer, admin) that are missing; safe to re-run."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = audit.Actor.job(f"manage.py setup_roles ({getpass.getuser()})", Origin.COMMAND)
        created = people.ensure_roles(actor)
        for name in permissions.ROLES:
            state = "created" if name in created else "exists"
            self.stdout.write(f"{name:<9} {state:<8} {permissions.ROLE_DESCRIPTIONS[name]}")

"""Django's `createsuperuser`, with the new account on the audit trail (same transaction)."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction
from django.db.models import Max

from deviations.domain import audit, people
from deviations.vocabulary import Origin


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        users = get_user_model()._default_manager.using(database)
        with transaction.atomic(using=database):
            last = users.aggregate(last=Max("pk"))["last"] or 0
            super().handle(*args, **options)
            actor = audit.Actor.job(
                f"manage.py createsuperuser ({getpass.getuser()})", Origin.COMMAND
            )
            for user in users.filter(pk__gt=last).order_by("pk"):
                people.record_user_change(actor, None, user)

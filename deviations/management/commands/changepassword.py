"""Django's `changepassword`, with the change on the audit trail (same transaction)."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.db import transaction

from deviations.domain import audit, people
from deviations.vocabulary import Origin


class Command(changepassword.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        username = options["username"] or getpass.getuser()
        user_model = get_user_model()
        with transaction.atomic(using=options["database"]):
            result = super().handle(*args, **options)
            user = user_model._default_manager.using(options["database"]).get(
                **{user_model.USERNAME_FIELD: username}
            )
            people.record_password_change(
                audit.Actor.job(f"manage.py changepassword ({getpass.getuser()})", Origin.COMMAND),
                user,
            )
        return result

"""`manage.py users`: accounts, roles and git identities from the command line, audited.

    users list
    users create NAME [--role R ...] [--email E] [--staff] [--superuser] [--password-env VAR]
    users roles NAME [R ...]            (exactly these roles; none removes all)
    users set NAME [--email E] [--staff|--no-staff] [--active|--inactive]
    users link NAME [--email E] [--name N]
    users unlink NAME (--email E | --name N)

Every change is one transaction with its audit event (origin "command").
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain import audit, people, permissions
from deviations.models import GitIdentity
from deviations.vocabulary import Origin


class Command(BaseCommand):
    help = "List and change users, their roles and git identities (every change audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="users with roles and identities")
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--role", action="append", default=[], choices=permissions.ROLES)
        create.add_argument("--email", default="")
        create.add_argument("--staff", action="store_true", help="may open /admin/")
        create.add_argument("--superuser", action="store_true")
        create.add_argument(
            "--password-env",
            metavar="VAR",
            help="read the password from this environment variable (none: unusable password)",
        )
        roles = sub.add_parser("roles", help="set a user's roles exactly")
        roles.add_argument("username")
        roles.add_argument("roles", nargs="*", choices=[[], *permissions.ROLES])
        change = sub.add_parser("set", help="change e-mail, staff or active flags")
        change.add_argument("username")
        change.add_argument("--email")
        change.add_argument("--staff", dest="is_staff", action="store_true", default=None)
        change.add_argument("--no-staff", dest="is_staff", action="store_false")
        change.add_argument("--active", dest="is_active", action="store_true", default=None)
        change.add_argument("--inactive", dest="is_active", action="store_false")
        for name in ("link", "unlink"):
            p = sub.add_parser(name, help=f"{name} a git author identity")
            p.add_argument("username")
            p.add_argument("--email", default="")
            p.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        self.actor = audit.Actor.job(f"manage.py users ({getpass.getuser()})", Origin.COMMAND)
        action = options["action"]
        try:
            if action == "list":
                return self._list()
            if action == "create":
                return self._create(options)
            user = self._user(options["username"])
            if action == "roles":
                changed = people.set_roles(self.actor, user, options["roles"])
                self._done(changed, f"{user}: roles {', '.join(options['roles']) or '(none)'}")
            elif action == "set":
                fields = {
                    k: options[k]
                    for k in ("email", "is_staff", "is_active")
                    if options[k] is not None
                }
                if not fields:
                    raise CommandError(
                        "nothing to change: give --email, --[no-]staff or --[in]active"
                    )
                self._done(people.update_user(self.actor, user, **fields), f"{user}: updated")
            elif action == "link":
                identity = people.link_identity(
                    self.actor, user, email=options["email"], name=options["name"]
                )
                self.stdout.write(f"{user}: linked {identity}")
            elif action == "unlink":
                self._unlink(user, options)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error

    def _user(self, username: str) -> User:
        try:
            return get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None

    def _done(self, changed: bool, message: str) -> None:
        self.stdout.write(message if changed else "nothing changed")

    def _list(self) -> None:
        users = get_user_model()._default_manager.order_by("username").prefetch_related("groups")
        identities: dict[int, list[str]] = {}
        for identity in GitIdentity.objects.order_by("email", "name"):
            identities.setdefault(identity.user_id, []).append(str(identity))
        for user in users:
            flags = [
                f
                for f, on in (
                    ("staff", user.is_staff),
                    ("superuser", user.is_superuser),
                    ("inactive", not user.is_active),
                )
                if on
            ]
            roles = sorted(g.name for g in user.groups.all() if g.name in permissions.ROLES)
            self.stdout.write(
                f"{user.get_username():<20} roles: {', '.join(roles) or '-':<24} "
                f"{' '.join(flags):<16} identities: {', '.join(identities.get(user.pk, [])) or '-'}"
            )

    def _create(self, options: dict[str, Any]) -> None:
        password = None
        if options["password_env"]:
            password = os.environ.get(options["password_env"])
            if not password:
                raise CommandError(f"environment variable {options['password_env']} is empty")
        user = people.create_user(
            self.actor,
            options["username"],
            password=password,
            email=options["email"],
            roles=options["role"],
            is_staff=options["staff"],
            is_superuser=options["superuser"],
        )
        self.stdout.write(f"created {user} with roles {', '.join(options['role']) or '(none)'}")

    def _unlink(self, user: User, options: dict[str, Any]) -> None:
        email, name = people.clean_identity(options["email"], options["name"])
        found = GitIdentity.objects.filter(user=user, email=email)
        if not email:
            found = found.filter(name__iexact=name)
        identity = found.first()
        if identity is None:
            raise CommandError(f"{user} has no identity {email or name!r}")
        people.unlink_identity(self.actor, identity)
        self.stdout.write(f"{user}: unlinked {identity}")

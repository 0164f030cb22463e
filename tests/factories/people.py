"""Users, made as an admin makes them, and API clients that authenticate as them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from deviations.domain import audit, people
from deviations.models import Origin

PASSWORD = "correct horse battery staple"
# Who creates the tests' records where the code under test asks for an actor.
SETUP = audit.Actor.job("test setup", Origin.COMMAND)


def make_user(
    username: str,
    *,
    roles: Iterable[str] = (),
    email: str = "",
    staff: bool = False,
    superuser: bool = False,
) -> Any:
    """A user holding `roles` (none: logged in but reads nothing), with the password
    PASSWORD, created through the audited people service (its events in the trail)."""
    with transaction.atomic():
        return people.create_user(
            SETUP,
            username,
            password=PASSWORD,
            email=email,
            roles=roles,
            is_staff=staff,
            is_superuser=superuser,
        )


def api_client_for(user: Any) -> APIClient:
    """An API client authenticated with the user's own token (as a tool would be); with
    None, an anonymous one."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client

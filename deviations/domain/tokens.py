"""Per-user API tokens (DRF authtoken): issue, rotate, revoke -- each an audit event.

A user has at most one token.  Issuing one replaces any earlier token, so a
leaked key is retired by asking for a new one.  The trail records who got or
lost a token and when, never the key itself.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token

from deviations.domain import audit
from deviations.vocabulary import AuditAction


def _describe(user: User) -> audit.Described:
    return {"object_type": "user", "object_id": str(user.pk), "object_repr": user.get_username()}


def issue(actor: audit.Actor, user: User) -> Token:
    """A new token for `user` (replacing their old one, if any)."""
    with transaction.atomic():
        old = Token.objects.select_for_update().filter(user=user).first()
        if old is not None:
            old.delete()
        token = Token.objects.create(user=user)
        audit.record(
            actor,
            AuditAction.API_TOKEN_ROTATED if old else AuditAction.API_TOKEN_ISSUED,
            **_describe(user),
            before={"created": old.created.isoformat()} if old else None,
            after={"created": token.created.isoformat()},
        )
    return token


def revoke(actor: audit.Actor, user: User) -> bool:
    """Delete `user`'s token; False if they had none (then nothing is recorded)."""
    with transaction.atomic():
        old = Token.objects.select_for_update().filter(user=user).first()
        if old is None:
            return False
        old.delete()
        audit.record(
            actor,
            AuditAction.API_TOKEN_REVOKED,
            **_describe(user),
            before={"created": old.created.isoformat()},
        )
    return True


def current(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()

"""Feed tokens: a per-user key for Atom feeds only -- issue, rotate, revoke, each audited.

Feed readers have no session, so a feed URL carries a key.  It is not an API token
(DRF's `Token` is another table, and no authentication class reads this one): it opens
the feeds under /feeds/<key>/ and nothing else, reading as its user (deviations.web.feeds
asks the user's role on every request).  Only the key's SHA-256 is stored; the key is
returned once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction

from deviations.domain import audit
from deviations.models import FeedToken
from deviations.vocabulary import AuditAction

KEY_BYTES = 24  # 32 URL-safe characters


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _describe(user: User) -> audit.Described:
    return {"object_type": "user", "object_id": str(user.pk), "object_repr": user.get_username()}


def issue(actor: audit.Actor, user: User) -> str:
    """A new feed key for `user` (replacing the old one, whose URLs stop working)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        old = FeedToken.objects.select_for_update().filter(user=user).first()
        if old is not None:
            old.delete()
        token = FeedToken.objects.create(user=user, key_hash=key_hash(key))
        audit.record(
            actor,
            AuditAction.FEED_TOKEN_ROTATED if old else AuditAction.FEED_TOKEN_ISSUED,
            **_describe(user),
            before={"created": old.created_at.isoformat()} if old else None,
            after={"created": token.created_at.isoformat()},
        )
    return key


def revoke(actor: audit.Actor, user: User) -> bool:
    """Delete `user`'s feed token; False if there was none (then nothing is recorded)."""
    with transaction.atomic():
        old = FeedToken.objects.select_for_update().filter(user=user).first()
        if old is None:
            return False
        old.delete()
        audit.record(
            actor,
            AuditAction.FEED_TOKEN_REVOKED,
            **_describe(user),
            before={"created": old.created_at.isoformat()},
        )
    return True


def current(user: User) -> FeedToken | None:
    return FeedToken.objects.filter(user=user).first()


def user_for(key: str) -> User | None:
    """The active user whose feed key this is, or None (a revoked or made-up key)."""
    if not key or len(key) > 100:
        return None
    token = FeedToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    return token.user

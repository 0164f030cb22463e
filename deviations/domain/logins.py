"""Login throttling on the audit trail: a lockout and an unlock are events.

django-axes counts failed password checks (an `AccessAttempt` row per username,
client address and browser) and refuses a username, or a client address, once
its failures within the window reach `settings.LOGIN_FAILURE_LIMIT`.  Its
counters are operational state, not history, but the moment a lockout starts
and the moment someone lifts one are: `record_lockout` is called by the web
face's axes handler inside the transaction that writes the attempt that
crossed the limit (deviations.web.throttle), `unlock` removes the attempts and
records who did it in one transaction.

Failed attempts themselves are not events: anyone on the network could fill
the trail with them, and the trail's writers queue on one lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from deviations.domain import audit
from deviations.models import AuditEvent
from deviations.vocabulary import AuditAction

LOCKED_OUT = AuditAction.LOGIN_LOCKED_OUT
UNLOCKED = AuditAction.LOGIN_UNLOCKED
MAX_SHOWN = 150  # characters of a typed username kept on the trail


def window() -> dt.timedelta:
    """How long a lockout lasts, and how long failures count without a new one."""
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _shown(text: str | None) -> str:
    # A typed username is anyone's input: bounded, and without NUL (PostgreSQL refuses it).
    return (text or "").replace("\x00", "\\x00")[:MAX_SHOWN]


def _object(username: str) -> audit.Described:
    """The account a username names, or the name as typed when there is none."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        return audit.describe(user)
    return {"object_type": "login", "object_id": "", "object_repr": _shown(username)}


def _failures(attempts: QuerySet[AccessAttempt], since: dt.datetime) -> int:
    total = attempts.filter(attempt_time__gte=since).aggregate(n=Sum("failures_since_start"))
    return int(total["n"] or 0)


@dataclass(frozen=True)
class Counts:
    """Failures within the window for a username and for a client address."""

    username: int
    ip_address: int

    def locked_by(self) -> list[str]:
        limit = settings.LOGIN_FAILURE_LIMIT
        return [
            name
            for name, count in (("username", self.username), ("ip_address", self.ip_address))
            if count >= limit
        ]


def counts(username: str | None, ip_address: str | None) -> Counts:
    since = timezone.now() - window()
    return Counts(
        username=_failures(AccessAttempt.objects.filter(username=username), since)
        if username
        else 0,
        ip_address=_failures(AccessAttempt.objects.filter(ip_address=ip_address), since)
        if ip_address
        else 0,
    )


def record_lockout(
    actor: audit.Actor, *, username: str | None, ip_address: str | None, path: str
) -> AuditEvent:
    """The event of a lockout starting; call in the transaction that wrote the attempt."""
    found = counts(username, ip_address)
    until = timezone.now() + window()
    return audit.record(
        actor,
        LOCKED_OUT,
        **_object(username or ""),
        after={
            "username": _shown(username),
            "ip_address": ip_address or "",
            "path": _shown(path),
            "locked_by": found.locked_by(),
            "failures": {"username": found.username, "ip_address": found.ip_address},
            "limit": settings.LOGIN_FAILURE_LIMIT,
            "until": until,
        },
    )


@dataclass(frozen=True)
class Lockout:
    """A username or client address refused right now."""

    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    until: dt.datetime


def lockouts() -> list[Lockout]:
    """Every username and client address at or over the limit within the window."""
    since = timezone.now() - window()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    found = []
    for kind in ("username", "ip_address"):
        rows = (
            recent.exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(n__gte=settings.LOGIN_FAILURE_LIMIT)
            .order_by(kind)
        )
        found += [Lockout(kind, row[kind], row["n"], row["last"] + window()) for row in rows]
    return found


class NothingToUnlock(ValueError):
    """An unlock that names neither a username nor an address (and not `everything`)."""


def unlock(
    actor: audit.Actor,
    *,
    username: str | None = None,
    ip_address: str | None = None,
    everything: bool = False,
) -> int:
    """Forget the failed attempts of a username, a client address, both, or all.

    Returns how many attempt records were removed; when there were any, one
    `login.unlocked` event in the same transaction says what was lifted.
    """
    if not (username or ip_address or everything):
        raise NothingToUnlock("Name a username, a client address, or everything.")
    match = Q()
    if username:
        match &= Q(username=username)
    if ip_address:
        match &= Q(ip_address=ip_address)
    with transaction.atomic():
        attempts = AccessAttempt.objects.select_for_update().filter(match).order_by("pk")
        rows = list(attempts.values("pk", "username", "ip_address", "failures_since_start"))
        if not rows:
            return 0
        AccessAttempt.objects.filter(pk__in=[row["pk"] for row in rows]).delete()
        described: audit.Described = (
            _object(username)
            if username
            else {
                "object_type": "login",
                "object_id": "",
                "object_repr": ip_address or "every username and address",
            }
        )
        audit.record(
            actor,
            UNLOCKED,
            **described,
            before={
                "usernames": sorted({_shown(row["username"]) for row in rows if row["username"]}),
                "ip_addresses": sorted({row["ip_address"] for row in rows if row["ip_address"]}),
                "failures": sum(row["failures_since_start"] for row in rows),
                "attempts": len(rows),
            },
            after={"username": username or "", "ip_address": ip_address or "", "all": everything},
        )
    return len(rows)

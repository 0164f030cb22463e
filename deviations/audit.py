"""The audit trail: append events to the hash chain, and verify it.

Every writer (import, sync, reviews, notes, exports, user changes) calls
`record()` or `record_many()` inside the same transaction as its change, so an
event exists exactly when its change does.  Never use signals for this.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from .models import AuditChainHead, AuditEvent, Origin

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who or what makes a change: a user, or a job run ("import #3")."""

    label: str
    origin: str
    user: Any = None  # a User or None

    @classmethod
    def for_user(cls, user: Any, origin: str = Origin.WEB) -> Actor:
        return cls(label=user.get_username(), origin=origin, user=user)

    @classmethod
    def job(cls, label: str, origin: str = Origin.COMMAND, user: Any = None) -> Actor:
        return cls(label=label, origin=origin, user=user)


@dataclass
class Draft:
    """An event about to be recorded."""

    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    component_name: str = ""
    before: Any = None
    after: Any = None
    extra: dict = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    # Store exactly what we hash: a JSON round trip fixes dates, decimals, tuples.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers (everything but the hash itself)."""
    payload = {
        "seq": event.seq,
        "created_at": _timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "origin": event.origin,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "component_name": event.component_name,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _lock_head() -> AuditChainHead:
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the change's transaction")
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever; a concurrent first writer is caught by the primary key.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record_many(actor: Actor, drafts: Iterable[Draft]) -> list[AuditEvent]:
    """Append events in order, chained; call inside the change's transaction."""
    drafts = list(drafts)
    if not drafts:
        return []
    head = _lock_head()
    now = timezone.now()
    events = []
    seq, prev = head.seq, head.hash
    for draft in drafts:
        seq += 1
        event = AuditEvent(
            seq=seq,
            created_at=now,
            actor=actor.user,
            actor_label=actor.label[:255],
            origin=actor.origin,
            action=draft.action,
            object_type=draft.object_type,
            object_id=str(draft.object_id),
            object_repr=draft.object_repr[:500],
            component_name=draft.component_name,
            before=_jsonable(draft.before),
            after=_jsonable(draft.after),
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return events


def record(actor: Actor, action: str, **fields: Any) -> AuditEvent:
    """Append one event; see `Draft` for the fields."""
    return record_many(actor, [Draft(action=action, **fields)])[0]


def describe(obj: Any) -> dict[str, str]:
    """object_type / object_id / object_repr for a model instance."""
    return {
        "object_type": obj._meta.model_name,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:500],
    }


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def _stream(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(batch: int = 5000) -> VerifyResult:
    """Check the whole chain; name the first event altered, removed or reordered."""
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    for event in _stream(batch):
        if event.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"event #{expected_seq} is missing (removed)"
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                event.seq,
                f"event #{event.seq} does not follow the previous event (removed or reordered)",
            )
        if event_hash(event) != event.hash:
            return VerifyResult(
                False, checked, event.seq, f"event #{event.seq} was altered (hash mismatch)"
            )
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(
            False,
            checked,
            checked + 1 if head.seq > checked else checked,
            f"the chain ends at #{checked} but its head says #{head.seq} "
            "(events removed at the end)",
        )
    return VerifyResult(True, checked)

"""The audit trail: append events to the hash chain, and verify it.

Every writer (import, sync, reviews, notes, exports, user changes) calls
`record()` or `record_many()` inside the same transaction as its change, so an
event exists exactly when its change does.  Never use signals for this.

The chain: event n stores `prev_hash` = the hash of event n-1 (64 zeros for
event 1) and `hash` = SHA-256 of its canonical serialization, which is the
compact JSON object (keys sorted, UTF-8, separators "," and ":") of

    seq, created_at (UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ"), actor_id, actor_label,
    origin, action, object_type, object_id, object_repr, component_name,
    before, after, prev_hash

so anyone holding an export of the table can re-check it without azldrift.
Writers lock the single `AuditChainHead` row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so two
writers can never chain onto the same predecessor: the chain cannot fork.
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

# The columns the hash covers, in the order `verify` reads them.
_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "origin",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "component_name",
    "before",
    "after",
    "prev_hash",
)


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
    """An event about to be recorded.

    `extra` is merged into `after` (which must then be a dict or None): a
    convenient place for context such as the reason a review lapsed.
    """

    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    component_name: str = ""
    before: Any = None
    after: Any = None
    extra: dict = field(default_factory=dict)

    def stored_after(self) -> Any:
        if not self.extra:
            return self.after
        if self.after is not None and not isinstance(self.after, dict):
            raise TypeError("Draft.extra needs `after` to be a dict or None")
        return {**(self.after or {}), **self.extra}


def _number(text: str) -> int | float:
    # PostgreSQL's jsonb prints 1e16 as 10000000000000000, which reads back as
    # an int; store such floats as ints from the start so the hash survives.
    value = float(text)
    if value.is_integer() and ("e" in text or "E" in text):
        return int(value)
    return value


def _jsonable(value: Any) -> Any:
    # Store exactly what we hash: a JSON round trip fixes dates, decimals, tuples.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder), parse_float=_number)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_values(values: tuple) -> bytes:
    payload = dict(zip(_FIELDS, values, strict=True))
    payload["created_at"] = _timestamp(payload["created_at"])
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers (everything but the hash itself)."""
    return _canonical_values(tuple(getattr(event, name) for name in _FIELDS))


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _lock_head() -> AuditChainHead:
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the change's transaction")
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever; a concurrent first writer is caught by the primary key
        # (get_or_create retries the read after the other writer commits).
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record_many(actor: Actor, drafts: Iterable[Draft]) -> list[AuditEvent]:
    """Append events in order, chained; call inside the change's transaction.

    The chain head stays locked until the caller's transaction ends, so record
    events late in a long transaction to keep other writers waiting briefly.
    """
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
            after=_jsonable(draft.stored_after()),
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
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def _rows(upto: int | None, chunk: int) -> Iterator[tuple]:
    # One ordered query streamed in chunks (a server-side cursor on
    # PostgreSQL), reading plain tuples: a million events verify in seconds.
    rows = AuditEvent.objects.order_by("seq")
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return rows.values_list(*_FIELDS, "hash").iterator(chunk_size=chunk)


def _diagnose_link(seq: int, prev_hash: str) -> str:
    """Why event `seq` does not chain onto its predecessor, as precisely as we can tell."""
    claimed = AuditEvent.objects.filter(hash=prev_hash).values_list("seq", flat=True).first()
    if claimed is not None and claimed != seq - 1:
        return (
            f"event #{seq} is out of order: it was written after the event now at "
            f"#{claimed} (events reordered)"
        )
    if claimed is None:
        return (
            f"event #{seq} does not follow event #{seq - 1}: the event it was chained "
            "to is gone (removed, replaced or renumbered)"
        )
    return f"event #{seq} does not follow event #{seq - 1} (its prev_hash was altered)"


def verify(chunk: int = 5000) -> VerifyResult:
    """Check the whole chain; name the first event altered, removed or reordered.

    Reads the head first and then only events up to it, so events appended by
    concurrent writers while verifying are neither missed nor false alarms.
    """
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    expected, prev, checked = 1, GENESIS_HASH, 0
    sha256 = hashlib.sha256
    for row in _rows(head[0] if head else None, chunk):
        seq, prev_hash, stored_hash = row[0], row[12], row[13]
        if seq != expected:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected}-#{seq - 1}"
            return VerifyResult(
                False, checked, expected, f"event {missing} is missing (removed)", *(head or ())
            )
        if prev_hash != prev:
            return VerifyResult(False, checked, seq, _diagnose_link(seq, prev_hash), *(head or ()))
        if sha256(_canonical_values(row[:13])).hexdigest() != stored_hash:
            return VerifyResult(
                False,
                checked,
                seq,
                f"event #{seq} was altered (its content no longer matches its hash)",
                *(head or ()),
            )
        prev = stored_hash
        expected += 1
        checked += 1
    if head is None:
        if checked:
            return VerifyResult(
                False, checked, None, "the chain head is missing (removed)", checked, prev
            )
        return VerifyResult(True, 0)
    if head[0] != checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"event #{checked + 1} is missing (removed): the chain ends at #{checked} "
            f"but its head says #{head[0]}",
            *head,
        )
    if head[1] != prev:
        return VerifyResult(
            False, checked, checked, f"event #{checked} does not match the chain head", *head
        )
    return VerifyResult(True, checked, head_seq=head[0], head_hash=head[1])

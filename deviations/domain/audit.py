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
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from deviations.domain import bulk
from deviations.domain.audit_coverage import coverage_problems
from deviations.models import AuditChainHead, AuditEvent
from deviations.vocabulary import AuditAction, Origin

GENESIS_HASH = "0" * 64

# The columns the hash covers, in the order `verify` reads them.
HASHED_FIELDS = (
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
# An event as `verify` and the API read it: what the hash covers, and the hash.
EVENT_FIELDS = (*HASHED_FIELDS, "hash")


@dataclass(frozen=True)
class Actor:
    """Who or what makes a change: a user, or a job run ("import #3")."""

    label: str
    origin: Origin
    user: User | None = None

    @classmethod
    def for_user(cls, user: User, origin: Origin = Origin.WEB) -> Actor:
        return cls(label=user.get_username(), origin=origin, user=user)

    @classmethod
    def job(cls, label: str, origin: Origin = Origin.COMMAND, user: User | None = None) -> Actor:
        return cls(label=label, origin=origin, user=user)


@dataclass
class Draft:
    """An event about to be recorded.

    `extra` is merged into `after` (which must then be a dict or None): a
    convenient place for context such as the reason a review lapsed.
    """

    action: AuditAction
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    component_name: str = ""
    before: Any = None  # JSON values
    after: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def stored_after(self) -> Any:
        if not self.extra:
            return self.after
        if self.after is not None and not isinstance(self.after, dict):
            raise TypeError("Draft.extra needs `after` to be a dict or None")
        return {**(self.after or {}), **self.extra}


class DraftFields(TypedDict, total=False):
    """A Draft's fields but the action, as keyword arguments (`record`)."""

    object_type: str
    object_id: str
    object_repr: str
    component_name: str
    before: Any
    after: Any
    extra: dict[str, Any]


class Described(TypedDict):
    """The object an event is about (`describe`)."""

    object_type: str
    object_id: str
    object_repr: str


def _number(text: str) -> int | float:
    # PostgreSQL's jsonb prints 1e16 as 10000000000000000, which reads back as
    # an int; store such floats as ints from the start so the hash survives.
    value = float(text)
    if value.is_integer() and ("e" in text or "E" in text):
        return int(value)
    return value


# Built once: json.dumps/loads with options build an encoder or decoder on every call,
# which a large import (100,000 events) notices.
_DJANGO_ENCODER = DjangoJSONEncoder()
_DECODER = json.JSONDecoder(parse_float=_number)


def _jsonable(value: Any) -> Any:
    # Store exactly what we hash: a JSON round trip fixes dates, decimals, tuples.
    if value is None:
        return None
    return _DECODER.decode(_DJANGO_ENCODER.encode(value))


_last_timestamp: tuple[Any, str] = (None, "")


def _timestamp(value: dt.datetime | str) -> str:
    if isinstance(value, str) and value.endswith("Z"):
        return value  # PostgreSQL formatted it already (see _rows)
    global _last_timestamp  # a one-entry memo: a batch of events shares one time
    last, text = _last_timestamp  # read as one tuple, so threads cannot mix two entries
    if value == last:
        return text
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite
    if moment.utcoffset():
        moment = moment.astimezone(dt.UTC)
    # Formatted by hand: strftime costs seconds over a million events.
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"
    )
    _last_timestamp = (value, text)
    return text


_string = json.encoder.encode_basestring  # the C encoder, as json.dumps(ensure_ascii=False)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# CPython's C encoder factory (None without the accelerator); typeshed does not declare it.
_make_encoder: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
if _make_encoder is not None:
    # Built once: JSONEncoder.encode() builds a C encoder on every call.
    _c_encode = _make_encoder(None, _ENCODER.default, _string, None, ":", ",", True, False, True)

    def _value(value: Any) -> str:
        if value is None:
            return "null"
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover - CPython always has the C accelerator

    def _value(value: Any) -> str:
        return _ENCODER.encode(value)


# The decoder's scanner: (value, end) of the JSON value at an index.
_scan: Callable[[str, int], tuple[Any, int]]
_scan = json.decoder.JSONDecoder().scan_once  # type: ignore[attr-defined]  # typeshed omits it


def _load(text: str | None) -> Any:
    """Decode a JSON column read as text (None is SQL NULL)."""
    if text is None:
        return None
    value, end = _scan(text, 0)
    if end != len(text) and text[end:].strip():
        raise ValueError(f"trailing data in a JSON column: {text[end:][:40]!r}")
    return value


def _canonical_values(values: tuple[Any, ...]) -> bytes:
    """The compact, key-sorted JSON object of the hashed fields (see the module docstring).

    Written out by hand in sorted key order because this runs once per event
    in `verify`; tests check it equals json.dumps(dict, sort_keys=True, ...).
    """
    (
        seq,
        created_at,
        actor_id,
        actor_label,
        origin,
        action,
        object_type,
        object_id,
        object_repr,
        component_name,
        before,
        after,
        prev_hash,
    ) = values
    return (
        '{"action":' + _string(action)
        + ',"actor_id":' + ("null" if actor_id is None else str(int(actor_id)))
        + ',"actor_label":' + _string(actor_label)
        + ',"after":' + _value(after)
        + ',"before":' + _value(before)
        + ',"component_name":' + _string(component_name)
        + ',"created_at":"' + _timestamp(created_at)
        + '","object_id":' + _string(object_id)
        + ',"object_repr":' + _string(object_repr)
        + ',"object_type":' + _string(object_type)
        + ',"origin":' + _string(origin)
        + ',"prev_hash":' + _string(prev_hash)
        + ',"seq":' + str(int(seq))
        + "}"
    ).encode()  # fmt: skip


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers (everything but the hash itself)."""
    return _canonical_values(tuple(getattr(event, name) for name in HASHED_FIELDS))


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _lock_head() -> tuple[int, str]:
    """Lock the chain head row until the transaction ends; its (seq, hash).

    Raw SQL: this runs while other writers wait, so every millisecond counts.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the change's transaction")
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT seq, hash FROM {table} WHERE id = 1{lock}"  # noqa: S608 - names only
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is None:
            # First event ever; a concurrent first writer is caught by the primary key
            # (get_or_create retries the read after the other writer commits).
            AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
            cursor.execute(sql)
            row = cursor.fetchone()
    return row[0], row[1]


def _move_head(seq: int, hash_: str) -> None:
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608 - names only
            [seq, hash_],
        )


def record_many(actor: Actor, drafts: Iterable[Draft]) -> list[AuditEvent]:
    """Append events in order, chained; call inside the change's transaction.

    The chain head stays locked until the caller's transaction ends, so record
    events late in a long transaction to keep other writers waiting briefly.
    """
    # Everything that does not depend on the chain is prepared before locking it.
    events = [
        AuditEvent(
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
        )
        for draft in drafts
    ]
    if not events:
        return []
    seq, prev = _lock_head()
    now = timezone.now()  # read under the lock, so times never run backwards along the chain
    for event in events:
        seq += 1
        event.seq, event.created_at, event.prev_hash = seq, now, prev
        event.hash = prev = event_hash(event)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    _move_head(seq, prev)
    return events


# The columns record_bulk writes, in its rows' order.
_BULK_FIELDS = (*HASHED_FIELDS, "hash")


def record_bulk(actor: Actor, drafts: Iterable[Draft]) -> int:
    """record_many for the tens of thousands of events of a large import; how many.

    The same events, chained and hashed the same way, written as rows of plain values
    (bulk.insert: COPY on PostgreSQL) and taken from `drafts` as they come: no model
    instance per event and no list of them all (for 100,000 events the ORM's
    bulk_create cost ten times the time and a few hundred MB).  Unlike record_many, the
    drafts are prepared with the chain locked: for a writer that holds the database's
    write lock for its whole transaction anyway, as an import does.  `drafts` must not
    use the database while it is read.
    """
    pending = iter(drafts)
    first = next(pending, None)
    if first is None:
        return 0
    label, origin = actor.label[:255], actor.origin
    actor_id = actor.user.pk if actor.user is not None else None
    json_field = bulk.field(AuditEvent, "before")
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy, which looks it up on every use
    seq, prev = _lock_head()
    now = timezone.now()  # read under the lock, as record_many does
    stored_now = bulk.field(AuditEvent, "created_at").get_db_prep_save(now, db)

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal seq, prev
        for draft in itertools.chain([first], pending):
            before, after = _jsonable(draft.before), _jsonable(draft.stored_after())
            seq += 1
            hashed = (
                seq,
                now,
                actor_id,
                label,
                origin,
                draft.action,
                draft.object_type,
                str(draft.object_id),
                draft.object_repr[:500],
                draft.component_name,
                before,
                after,
                prev,
            )
            prev = hashlib.sha256(_canonical_values(hashed)).hexdigest()
            yield (
                seq,
                stored_now,
                *hashed[2:10],
                json_field.get_db_prep_save(before, db),
                json_field.get_db_prep_save(after, db),
                hashed[12],
                prev,
            )

    count = bulk.insert(AuditEvent, _BULK_FIELDS, rows())
    _move_head(seq, prev)
    return count


def record(actor: Actor, action: AuditAction, **fields: Unpack[DraftFields]) -> AuditEvent:
    """Append one event; see `Draft` for the fields."""
    return record_many(actor, [Draft(action=action, **fields)])[0]


def describe(obj: models.Model) -> Described:
    """object_type / object_id / object_repr for a model instance."""
    return {
        "object_type": obj._meta.model_name or "",
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:500],
    }


def column(model: type[models.Model], name: str) -> str:
    """The database column of a model's concrete field."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise LookupError(f"{model.__name__}.{name} has no column")
    return found.column


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""  # the first of `problems`
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)  # everything found wrong


@dataclass(frozen=True)
class Ends:
    """The chain head and the events past it, read in one statement (one snapshot)."""

    head: tuple[int, str] | None
    past_head: int  # events with a seq above the head's
    first_past: int | None
    last_past: int | None


def _ends() -> Ends:
    head_table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    head_seq = f"(SELECT seq FROM {head_table} WHERE id = 1)"  # noqa: S608 - names only
    past = f"FROM {table} WHERE seq > coalesce({head_seq}, 0)"
    sql = (
        f"SELECT {head_seq}, (SELECT hash FROM {head_table} WHERE id = 1), "  # noqa: S608
        f"(SELECT count(*) {past}), (SELECT min(seq) {past}), (SELECT max(seq) {past})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        seq, hash_, count, first, last = cursor.fetchone()
    return Ends(None if seq is None else (seq, hash_), count, first, last)


def _rows(upto: int | None, chunk: int) -> Iterator[tuple[Any, ...]]:
    """The hashed fields of every event (up to seq `upto`) and its hash, in seq order.

    One ordered query through a raw cursor (server-side on PostgreSQL), with
    the JSON columns decoded here: the ORM's per-row conversions would double
    the time of verifying a million events.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    names = [connection.ops.quote_name(column(AuditEvent, name)) for name in EVENT_FIELDS]
    if connection.vendor == "postgresql":
        # The canonical UTC text straight from the server: no datetime objects per row.
        names[1] = f"""to_char({names[1]} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    columns = ", ".join(names)
    where, params = ("WHERE seq <= %s", [upto]) if upto is not None else ("", [])
    sql = f"SELECT {columns} FROM {table} {where} ORDER BY seq"  # noqa: S608 - names only
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                before, after = row[10], row[11]
                yield (
                    *row[:10],
                    _load(before),  # JSON columns arrive as text
                    _load(after),
                    row[12],
                    row[13],
                )


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


def _beyond_head(ends: Ends) -> str:
    """Events past the head: written without moving it (forged, or around azldrift)."""
    if ends.head is None or not ends.past_head:
        return ""
    where = (
        f"#{ends.first_past}"
        if ends.first_past == ends.last_past
        else f"#{ends.first_past}-#{ends.last_past}"
    )
    events = "event" if ends.past_head == 1 else "events"
    return (
        f"{ends.past_head} {events} ({where}) past the chain head #{ends.head[0]}: written "
        "without moving the head, so outside the verified chain (forged, or written around "
        "azldrift); they also block every audited write"
    )


def verify(chunk: int = 5000) -> VerifyResult:
    """Check the whole trail; name everything wrong, the first altered event first.

    The chain from #1 to the head: the first event altered, removed or reordered, and a
    head that disagrees with the last event.  Then events past the head, and records
    whose events the trail should hold but does not (an emptied or cut-short trail, see
    audit_coverage).  The head and the events past it are read in one statement, then
    only events up to that head, so events appended by concurrent writers while
    verifying are neither missed nor false alarms.
    """
    ends = _ends()
    result = _verify_chain(ends.head, chunk)
    problems = [result.problem] if not result.ok else []
    if beyond := _beyond_head(ends):
        problems.append(beyond)
        if result.first_bad_seq is None:
            result.first_bad_seq = ends.first_past
    problems += coverage_problems()
    if problems:
        result.ok, result.problem, result.problems = False, problems[0], problems
    return result


def _verify_chain(head: tuple[int, str] | None, chunk: int) -> VerifyResult:
    """The chain from #1 up to `head`: the first fault, or intact."""
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
    if head[0] and not checked:
        return VerifyResult(
            False,
            0,
            1,
            f"every event is missing: the trail is empty but its head says #{head[0]} "
            "(emptied, truncated)",
            *head,
        )
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

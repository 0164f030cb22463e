"""Checking an exported audit log against the hash chain (`manage.py export audit --check`)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from deviations.domain import audit
from deviations.models import AuditEvent
from deviations.reads.exports.cells import unneutralise
from deviations.reads.exports.datasets import AUDIT_COLUMNS


@dataclass
class AuditCheck:
    ok: bool
    checked: int
    problem: str = ""
    head_seq: int = 0
    head_hash: str = audit.GENESIS_HASH


def _event_from_row(raw: list[str]) -> AuditEvent:
    """An (unsaved) event from an audit export's row, its cells un-neutralised."""
    cells = dict(zip(AUDIT_COLUMNS, (unneutralise(cell) for cell in raw), strict=True))
    return AuditEvent(
        seq=int(cells["seq"]),
        created_at=dt.datetime.fromisoformat(cells["created_at"]),
        actor_id=int(cells["actor_id"]) if cells["actor_id"] else None,
        actor_label=cells["actor"],
        origin=cells["origin"],
        action=cells["action"],
        object_type=cells["object_type"],
        object_id=cells["object_id"],
        object_repr=cells["object_repr"],
        component_name=cells["component"],
        before=json.loads(cells["before"]) if cells["before"] else None,
        after=json.loads(cells["after"]) if cells["after"] else None,
        prev_hash=cells["prev_hash"],
        hash=cells["hash"],
    )


def check_audit_csv(lines: Iterable[str]) -> AuditCheck:
    """Recompute every event's hash from an audit export and check the chain links.

    A complete export (no filters) must chain from the genesis hash; a
    filtered one is checked row by row and wherever consecutive events are
    both present.  Compare `head_hash` with `manage.py verify_audit`'s head.
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != AUDIT_COLUMNS:
        return AuditCheck(False, 0, "not an azldrift audit export (unexpected header)")
    events: list[tuple[int, AuditEvent]] = []
    for line, raw in enumerate(reader, start=2):
        try:
            event = _event_from_row(raw)
        except (ValueError, TypeError) as error:
            return AuditCheck(False, len(events), f"row {line} is not an audit event: {error}")
        events.append((event.seq, event))
    events.sort(key=lambda item: item[0])
    previous: AuditEvent | None = None
    for seq, event in events:
        if audit.event_hash(event) != event.hash:
            return AuditCheck(False, len(events), f"event #{seq} does not match its hash")
        if seq == 1 and event.prev_hash != audit.GENESIS_HASH:
            return AuditCheck(False, len(events), "event #1 does not start the chain")
        if previous is not None and previous.seq == seq - 1 and event.prev_hash != previous.hash:
            return AuditCheck(False, len(events), f"event #{seq} does not follow #{seq - 1}")
        previous = event
    if previous is None:
        return AuditCheck(True, 0)
    return AuditCheck(True, len(events), head_seq=previous.seq, head_hash=previous.hash)

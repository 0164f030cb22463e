"""The chain's end: events past the head, a head that disagrees with the last event, and an
emptied or cut-short trail are named by `verify_audit`.

Forgery is done with raw SQL, as an attacker with database access would; on PostgreSQL
the triggers are disabled for it first (as the tables' owner could).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from deviations.domain import audit, reviews
from deviations.domain.importer import import_config
from deviations.models import AuditChainHead, AuditEvent, Deviation, ImportRun, Origin, Review
from deviations.vocabulary import AuditAction
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = audit.Actor.job("test", Origin.COMMAND)
COMPONENT = """\
[components.curl]

[[components.curl.overlays]]
description = "Drop the CA bundle"
type = "spec-remove-tag"
tag = "Recommends"
value = "ca-certificates"
"""


def append(n: int) -> None:
    with transaction.atomic():
        audit.record_many(
            ACTOR, [audit.Draft(action="test.event", object_id=str(i)) for i in range(n)]
        )


@contextlib.contextmanager
def triggers_off(*tables: str) -> Iterator[Any]:
    """Raw SQL with the audit triggers out of the way (PostgreSQL; SQLite has none)."""
    tables = tables or ("deviations_auditevent", "deviations_auditchainhead")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked now
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def forged(seq: int, prev_hash: str) -> AuditEvent:
    """A well-formed event (its hash right) claiming to be #seq after prev_hash."""
    event = AuditEvent(
        seq=seq,
        created_at=timezone.now(),
        actor_label="rita",
        origin=Origin.WEB,
        action=AuditAction.REVIEW_APPROVED,
        object_type="deviation",
        object_id="7",
        object_repr="curl: overlay-0",
        component_name="curl",
        after={"review_state": "approved"},
        prev_hash=prev_hash,
    )
    event.hash = audit.event_hash(event)
    return event


def insert(cursor: Any, event: AuditEvent) -> None:
    cursor.execute(
        "INSERT INTO deviations_auditevent (seq, created_at, actor_label, origin, action, "
        "object_type, object_id, object_repr, component_name, before, after, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, %s)",
        [
            event.seq,
            event.created_at,
            event.actor_label,
            event.origin,
            event.action,
            event.object_type,
            event.object_id,
            event.object_repr,
            event.component_name,
            '{"review_state": "approved"}',
            event.prev_hash,
            event.hash,
        ],
    )


def last_event() -> AuditEvent:
    found = AuditEvent.objects.order_by("-seq").first()
    assert found is not None
    return found


def verify_command() -> str:
    try:
        call_command("verify_audit")
    except CommandError as error:
        return f"FAILED: {error}"
    return "OK"


# --- events past the head -----------------------------------------------------------------


def test_an_event_past_the_head_is_named_though_the_chain_up_to_it_holds():
    append(4)
    with triggers_off("deviations_auditevent") as cursor:
        insert(cursor, forged(5, last_event().hash))
    result = audit.verify()
    assert not result.ok and result.checked == 4 and result.first_bad_seq == 5
    assert result.problem.startswith("1 event (#5) past the chain head #4: written without moving")
    assert "block every audited write" in result.problem
    message = verify_command()
    assert message.startswith("FAILED: audit trail NOT intact: 1 event (#5) past the chain head")


def test_several_events_past_the_head_and_a_broken_chain_are_all_named():
    append(4)
    with triggers_off() as cursor:
        cursor.execute("UPDATE deviations_auditevent SET object_id = 'forged' WHERE seq = 2")
        insert(cursor, forged(5, last_event().hash))
        insert(cursor, forged(6, "f" * 64))
    result = audit.verify()
    assert result.problems == [
        "event #2 was altered (its content no longer matches its hash)",
        "2 events (#5-#6) past the chain head #4: written without moving the head, so outside "
        "the verified chain (forged, or written around azldrift); they also block every "
        "audited write",
    ]
    assert result.first_bad_seq == 2
    assert "\n  also: 2 events (#5-#6) past the chain head #4" in verify_command()


def test_a_head_behind_the_last_event_is_named_twice_over():
    append(3)
    with triggers_off("deviations_auditchainhead") as cursor:
        cursor.execute("UPDATE deviations_auditchainhead SET seq = 2")
    result = audit.verify()
    assert result.problems == [
        "event #2 does not match the chain head",
        "1 event (#3) past the chain head #2: written without moving the head, so outside "
        "the verified chain (forged, or written around azldrift); they also block every "
        "audited write",
    ]


def test_a_head_past_the_last_event_is_named():
    append(3)
    with triggers_off("deviations_auditchainhead") as cursor:
        cursor.execute("UPDATE deviations_auditchainhead SET seq = 5")
    result = audit.verify()
    assert result.problems == [
        "event #4 is missing (removed): the chain ends at #3 but its head says #5"
    ]


# --- an emptied or cut-short trail ------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path, reviewer) -> Review:
    """An import and a review decision, each with its events."""
    import_config(
        factories.write_config_tree(tmp_path / "config", {"comps/curl/curl.comp.toml": COMPONENT})
    )
    dev = Deviation.objects.get(component__name="curl", kind="overlay")
    review = reviews.decide(
        audit.Actor.for_user(reviewer), dev, "changes-requested", "Use a patch instead."
    )
    assert audit.verify().ok
    return review


def empty_the_trail() -> None:
    with triggers_off() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE deviations_auditevent, deviations_auditchainhead")
        else:
            cursor.execute("DELETE FROM deviations_auditevent")
            cursor.execute("DELETE FROM deviations_auditchainhead")


def test_an_emptied_trail_is_named_while_import_runs_and_reviews_exist(history):
    empty_the_trail()
    result = audit.verify()
    assert not result.ok and result.checked == 0
    assert result.problem == (
        "the audit trail is empty, yet there are 1 import run and 1 review decision: "
        "it was emptied (truncated)"
    )
    assert "it was emptied (truncated)" in verify_command()


def test_an_emptied_events_table_under_its_head_is_named(history):
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM deviations_auditevent")
    head = AuditChainHead.objects.get().seq
    result = audit.verify()
    assert result.problems[0] == (
        f"every event is missing: the trail is empty but its head says #{head} (emptied, truncated)"
    )
    assert "it was emptied (truncated)" in result.problems[1]


def test_a_trail_emptied_and_written_again_is_named(history):
    empty_the_trail()
    append(3)  # the application goes on: a fresh chain from #1 verifies ...
    result = audit.verify()
    assert result.checked == 3 and not result.ok  # ... but lacks the older records' events
    run = ImportRun.objects.get()
    assert result.problems == [
        f"1 import run (#{run.pk}) has no audit event: the trail does not reach back to them "
        "(truncated, or written around azldrift)",
        f"1 review decision (#{history.pk}) has no audit event: the trail does not reach back "
        "to them (truncated, or written around azldrift)",
    ]
    assert verify_command().startswith(
        f"FAILED: audit trail NOT intact: 1 import run (#{run.pk}) has no audit event"
    )


def test_a_fresh_trail_without_records_is_intact():
    assert audit.verify().ok
    append(1)
    assert audit.verify().ok

"""The chain's end: events past the head, a head that disagrees with the last event, and an
emptied or cut-short trail are named by `verify_audit`; on PostgreSQL they are refused.

Forgery is done with raw SQL, as an attacker with database access would; on PostgreSQL
the triggers are disabled for it first (as the tables' owner could), except where a test
shows the triggers refusing it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from deviations.domain import audit, reviews
from deviations.domain.importer import import_config
from deviations.models import AuditChainHead, AuditEvent, Deviation, ImportRun, Origin, Review
from deviations.vocabulary import AuditAction
from tests import factories
from tests.support import AUDIT_RESET_ROLE

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = audit.Actor.job("test", Origin.COMMAND)
only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit triggers are PostgreSQL's"
)
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


@only_postgresql
def test_postgresql_refuses_an_event_that_does_not_move_the_head():
    append(4)
    head = last_event()
    # Correctly chained, but the head stays: refused when the transaction commits.
    with (
        pytest.raises(DatabaseError, match=r"audit event #5 lies past the chain head \(#4\)"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        insert(cursor, forged(5, head.hash))
    # Not chained onto the head: refused at once.
    for seq, prev in [(6, head.hash), (5, "f" * 64)]:
        with (
            pytest.raises(
                DatabaseError,
                match=rf"audit event #{seq} refused: an event extends the chain at its head "
                rf"\(#4, {head.hash}\)",
            ),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            insert(cursor, forged(seq, prev))
    # The head moved alone, or past the event written with it: refused at commit.
    for seq, hash_ in [(5, head.hash), (6, None)]:
        with (
            pytest.raises(DatabaseError, match=r"the audit chain head \(#\d\) disagrees"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            if hash_ is None:
                event = forged(5, head.hash)
                insert(cursor, event)
                hash_ = event.hash
            cursor.execute("UPDATE deviations_auditchainhead SET seq = %s, hash = %s", [seq, hash_])
    assert AuditEvent.objects.count() == 4 and audit.verify().ok
    # The application's own writes go on, a batch over several INSERT statements included.
    append(2500)
    assert AuditChainHead.objects.get().seq == 2504
    assert audit.verify().ok


@only_postgresql
def test_postgresql_accepts_an_event_that_moves_the_head():
    # The triggers hold every writer to the rule, not the application only.
    append(2)
    event = forged(3, last_event().hash)
    with transaction.atomic(), connection.cursor() as cursor:
        insert(cursor, event)
        cursor.execute(
            "UPDATE deviations_auditchainhead SET seq = %s, hash = %s", [event.seq, event.hash]
        )
    assert audit.verify().ok and audit.verify().checked == 3


# --- an emptied or cut-short trail ------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path, reviewer) -> Review:
    """An import and a review decision, each with its events."""
    import_config(
        factories.write_config_tree(tmp_path / "config", {"comps/curl/curl.comp.toml": COMPONENT})
    )
    dev = Deviation.objects.get(component__name="curl", kind="overlay")
    review = reviews.decide(
        audit.Actor.for_user(reviewer),
        dev,
        "changes-requested",
        "Use a patch instead.",
        seen=reviews.seen_now(dev),
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


# --- TRUNCATE: only for members of the test-reset role ---------------------------------------


@contextlib.contextmanager
def as_role(cursor: Any, *attributes: str, member_of: str = "") -> Iterator[None]:
    """Run as a new role (gone afterwards) that may TRUNCATE the audit tables."""
    role = f"azldrift_test_{uuid.uuid4().hex[:12]}"
    cursor.execute(f"CREATE ROLE {role} NOLOGIN {' '.join(attributes)}")
    cursor.execute(f"GRANT TRUNCATE ON deviations_auditevent, deviations_auditchainhead TO {role}")
    if member_of:
        cursor.execute(f"GRANT {member_of} TO {role}")
    cursor.execute(f"SET LOCAL ROLE {role}")
    yield


def truncate_as(*attributes: str, member_of: str = "") -> None:
    """TRUNCATE the audit tables as a new role, then roll everything back."""
    with transaction.atomic(), connection.cursor() as cursor:
        with as_role(cursor, *attributes, member_of=member_of):
            cursor.execute("SET LOCAL azldrift.allow_truncate = 'on'")  # the old bypass
            cursor.execute("TRUNCATE deviations_auditevent, deviations_auditchainhead")
        cursor.execute("RESET ROLE")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)


@only_postgresql
def test_an_ordinary_session_cannot_truncate_even_with_the_old_setting():
    append(2)
    with pytest.raises(DatabaseError, match="audit events are append-only"):
        truncate_as()
    with pytest.raises(DatabaseError, match="audit events are append-only"):
        truncate_as("SUPERUSER")  # production's `manage.py flush` by a superuser, too
    assert AuditEvent.objects.count() == 2
    truncate_as(member_of=AUDIT_RESET_ROLE)  # how the test set-up flushes
    assert AuditEvent.objects.count() == 2 and audit.verify().ok  # rolled back

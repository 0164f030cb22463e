"""`verify_audit` names the first event altered, removed or reordered.

The tampering is done with raw SQL, as an attacker with database access
would; on PostgreSQL the append-only triggers are disabled for it first.
"""

import contextlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from deviations.domain import audit
from deviations.models import AuditEvent, Origin

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = audit.Actor.job("test", Origin.COMMAND)
TABLE = "deviations_auditevent"


def append(n: int, start: int = 0) -> None:
    with transaction.atomic():
        audit.record_many(
            ACTOR,
            [
                audit.Draft(action="test.event", object_id=str(i), after={"i": i, "x": 1.5})
                for i in range(start, start + n)
            ],
        )


@contextlib.contextmanager
def tampering(table: str = TABLE):
    """Raw SQL access with the append-only trigger out of the way."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def verify_command() -> str:
    """The command's message, failing or not."""
    try:
        call_command("verify_audit")
    except CommandError as error:
        return f"FAILED: {error}"
    return "OK"


def test_intact_chain_exits_zero_and_prints_the_head(capsys):
    append(4)
    call_command("verify_audit")
    out = capsys.readouterr().out
    head = AuditEvent.objects.order_by("-seq").first()
    assert out.startswith("audit trail intact: 4 events, head #4 " + head.hash)
    call_command("verify_audit", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["checked"] == 4 and result["head_hash"] == head.hash


def test_an_empty_trail_is_intact():
    assert audit.verify().ok and audit.verify().checked == 0


def test_an_edited_event_is_named():
    append(6)
    with tampering() as cursor:
        cursor.execute("UPDATE deviations_auditevent SET object_id = 'forged' WHERE seq = 3")
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert result.problem == "event #3 was altered (its content no longer matches its hash)"
    assert verify_command().startswith("FAILED: audit trail NOT intact: event #3 was altered")


def test_an_edited_json_payload_is_named():
    append(4)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE deviations_auditevent SET after = %s WHERE seq = 2",
            [json.dumps({"i": 1, "x": 2.5})],
        )
    assert audit.verify().first_bad_seq == 2


def test_an_edited_and_rehashed_event_breaks_the_next_link():
    append(5)
    event = AuditEvent.objects.get(seq=2)
    event.actor_label = "somebody else"
    forged = audit.event_hash(event)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE deviations_auditevent SET actor_label = %s, hash = %s WHERE seq = 2",
            ["somebody else", forged],
        )
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "event #3" in result.problem


def test_a_deleted_event_is_named():
    append(6)
    with tampering() as cursor:
        cursor.execute("DELETE FROM deviations_auditevent WHERE seq = 4")
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert result.problem == "event #4 is missing (removed)"
    assert "event #4 is missing" in verify_command()


def test_deleted_events_at_the_end_are_named():
    append(6)
    with tampering() as cursor:
        cursor.execute("DELETE FROM deviations_auditevent WHERE seq >= 5")
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 5
    assert result.problem.startswith("event #5 is missing (removed)")


def test_a_deleted_and_renumbered_event_is_named():
    append(6)
    with tampering() as cursor:
        cursor.execute("DELETE FROM deviations_auditevent WHERE seq = 4")
        for seq in (5, 6):
            cursor.execute(
                "UPDATE deviations_auditevent SET seq = %s WHERE seq = %s", [seq - 1, seq]
            )
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert "the event it was chained to is gone" in result.problem


def test_swapped_events_are_named():
    append(6)
    with tampering() as cursor:
        # Swap the positions of #3 and #4 (through a free number: seq is unique).
        cursor.execute("UPDATE deviations_auditevent SET seq = -1 WHERE seq = 3")
        cursor.execute("UPDATE deviations_auditevent SET seq = 3 WHERE seq = 4")
        cursor.execute("UPDATE deviations_auditevent SET seq = 4 WHERE seq = -1")
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert result.problem == (
        "event #3 is out of order: it was written after the event now at #4 (events reordered)"
    )
    assert "out of order" in verify_command()


def test_a_rewound_chain_head_is_noticed():
    append(3)
    with tampering("deviations_auditchainhead") as cursor:
        cursor.execute("UPDATE deviations_auditchainhead SET seq = 2")
    result = audit.verify()
    assert not result.ok and "does not match the chain head" in result.problem


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_postgresql_refuses_changes_and_rewinding_the_head():
    # TRUNCATE: see test_chain_end (refused but for members of the test-reset role).
    append(2)
    refused = [
        ("UPDATE deviations_auditevent SET action = 'x'", "append-only"),
        ("DELETE FROM deviations_auditevent", "append-only"),
        ("UPDATE deviations_auditchainhead SET seq = 1", "only moves forward"),
        ("DELETE FROM deviations_auditchainhead", "only moves forward"),
    ]
    for statement, message in refused:
        with (
            pytest.raises(Exception, match=message),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2 and audit.verify().ok


def test_floats_and_odd_values_survive_the_database_round_trip():
    with transaction.atomic():
        audit.record(
            ACTOR,
            "test.values",
            before={"big": 1e16, "tiny": 1e-7, "neg": -0.5, "unicode": "Fédora ✓", "n": None},
            after=[1, "2", {"b": True, "a": [1.0, 2.25]}],
        )
        audit.record(ACTOR, "test.string", before="just a string", after=3)
    assert audit.verify().ok


def test_verify_ignores_events_appended_after_it_read_the_head():
    append(3)
    head = AuditEvent.objects.order_by("-seq").first()
    # Another writer appends while verification streams: only up to the head it read counts.
    original = audit._rows

    def rows_then_append(upto, chunk):
        append(2, start=100)
        return original(upto, chunk)

    audit._rows = rows_then_append
    try:
        result = audit.verify()
    finally:
        audit._rows = original
    assert result.ok and result.checked == 3 and result.head_hash == head.hash
    assert audit.verify().checked == 5

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from deviations.domain import audit
from deviations.models import AuditEvent, Origin

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = audit.Actor.job("test", Origin.COMMAND)


def _append(n: int) -> None:
    with transaction.atomic():
        audit.record_many(
            ACTOR,
            [audit.Draft(action="test.event", object_id=str(i), after={"i": i}) for i in range(n)],
        )


def test_chain_verifies_when_intact():
    _append(5)
    _append(3)
    result = audit.verify()
    assert result.ok, result.problem
    assert result.checked == 8
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 9)
    )


def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(ACTOR, "test.event")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_database_refuses_update_and_delete():
    _append(1)
    for statement in (
        "UPDATE deviations_auditevent SET action = 'x'",
        "DELETE FROM deviations_auditevent",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.get().action == "test.event"


def test_bulk_recording_writes_the_same_events_in_the_same_chain():
    """record_bulk (a large import's thousands of events, no model instances) stores what
    record_many stores, chained on; the chain verifies across both."""
    user = get_user_model().objects.create_user("rita")
    drafts = [
        audit.Draft(
            action="test.event",
            object_type="component",
            object_id=7,
            object_repr="x" * 600,
            component_name="bash",
            before=None if i % 2 else {"n": i, "when": dt.date(2026, 1, 2), "big": 1e16},
            after={"i": i, "tuple": (1, "é"), "nested": {"b": [True, None]}},
            extra={"why": "because"} if i == 3 else {},
        )
        for i in range(5)
    ]
    actor = audit.Actor.for_user(user, Origin.COMMAND)
    with transaction.atomic():
        audit.record_many(actor, drafts)
    with transaction.atomic():
        assert audit.record_bulk(actor, drafts) == 5
        assert audit.record_bulk(actor, []) == 0
    result = audit.verify()
    assert result.ok and result.checked == 10, result.problem
    fields = [f for f in audit.HASHED_FIELDS if f not in ("seq", "created_at", "prev_hash")]
    rows = list(AuditEvent.objects.order_by("seq").values_list(*fields))
    assert rows[:5] == rows[5:]
    assert rows[3][fields.index("after")]["why"] == "because"
    assert AuditEvent.objects.filter(seq__gt=5).values("created_at").distinct().count() == 1

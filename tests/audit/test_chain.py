import pytest
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

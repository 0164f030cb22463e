"""`manage.py expire`: records what expired or lapsed, once; --dry-run writes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from deviations.domain import ownership
from deviations.models import AuditEvent
from deviations.vocabulary import AcknowledgedSubject, AuditAction
from tests.ownership.helpers import TODAY, as_user

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("expire", *args, stdout=out)
    return out.getvalue()


def test_expire_records_each_ended_acknowledgement_once(drifting, reviewer, clock):
    ack = ownership.acknowledge(
        as_user(reviewer),
        AcknowledgedSubject.DRIFT,
        drifting.component,
        reason="Held on purpose",
        expires_on=TODAY + dt.timedelta(days=2),
    )
    assert "0 expired, 0 lapsed" in run()
    clock.move_to(dt.datetime(2026, 12, 9, 6, tzinfo=dt.UTC))
    assert f"would record #{ack.pk} (drift, bash): expired" in run("--dry-run")
    assert not AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGEMENT_EXPIRED).exists()
    assert f"expired #{ack.pk} (drift, bash)" in run()
    assert "0 expired, 0 lapsed" in run()
    event = AuditEvent.objects.get(action=AuditAction.ACKNOWLEDGEMENT_EXPIRED)
    assert event.actor_label.startswith("manage.py expire") and event.object_type == "component"

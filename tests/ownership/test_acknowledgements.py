"""Acknowledgements: an acknowledged item leaves the attention counts until its expiry date
or until its basis changes, then returns by itself (computed when read), and `expire`
writes down what ended, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from deviations.domain import ownership
from deviations.models import Acknowledgement, AuditEvent, ComponentSync, Deviation
from deviations.reads import ownership as reads
from deviations.vocabulary import (
    AcknowledgedSubject,
    AcknowledgementState,
    AuditAction,
    Verdict,
)
from tests import factories
from tests.ownership.helpers import TODAY, as_user

pytestmark = pytest.mark.django_db
UNTIL = TODAY + dt.timedelta(days=10)


def _ack_drift(reviewer, drifting, until=UNTIL):
    return ownership.acknowledge(
        as_user(reviewer),
        AcknowledgedSubject.DRIFT,
        drifting.component,
        reason="Stay on this pin until the ICU rebuild settles",
        expires_on=until,
    )


def test_acknowledged_drift_leaves_the_count_and_returns_on_its_expiry_date(
    drifting, reviewer, clock
):
    assert reads.attention().behind == 1
    ack = _ack_drift(reviewer, drifting)
    counts = reads.attention()
    assert (counts.behind, counts.behind_acknowledged) == (0, 1)
    assert ownership.state_of(ack) == AcknowledgementState.ACTIVE

    clock.move_to(dt.datetime(2026, 12, 16, 23, 59, tzinfo=dt.UTC))  # the day before
    assert reads.attention().behind == 0
    clock.move_to(dt.datetime(2026, 12, 17, 0, 1, tzinfo=dt.UTC))  # the expiry date
    counts = reads.attention()
    assert (counts.behind, counts.behind_acknowledged) == (1, 0)
    assert ownership.state_of(ack) == AcknowledgementState.EXPIRED


def test_a_new_tip_commit_returns_acknowledged_drift_at_once(drifting, reviewer):
    ack = _ack_drift(reviewer, drifting)
    assert reads.attention().behind == 0
    # A sync finds Fedora moved again: a new tip commit.
    ComponentSync.objects.filter(pk=drifting.sync.pk).update(tip_commit="f" * 40, commits_behind=4)
    assert reads.attention().behind == 1
    assert ownership.state_of(ack) == AcknowledgementState.BASIS_CHANGED


def test_a_new_upstream_release_or_pin_is_a_basis_change_too(drifting, reviewer):
    _ack_drift(reviewer, drifting)
    ComponentSync.objects.filter(pk=drifting.sync.pk).update(pinned_commit="e" * 40)
    assert reads.attention().behind == 1


def test_an_acknowledged_failure_returns_when_the_verdict_or_the_tip_changes(drifting, reviewer):
    actor = as_user(reviewer)
    ownership.acknowledge(
        actor,
        AcknowledgedSubject.FAILING_AT_TIP,
        drifting.failing,
        reason="Upstream reworks this section; we follow in January",
        expires_on=UNTIL,
    )
    counts = reads.attention()
    assert (counts.failing_at_tip, counts.failing_acknowledged) == (0, 1)
    Deviation.objects.filter(pk=drifting.failing.pk).update(verdict_at_tip=Verdict.NOOP)
    counts = reads.attention()
    assert (counts.failing_at_tip, counts.noop_at_tip) == (0, 2)  # a no-op now, not failing
    Deviation.objects.filter(pk=drifting.failing.pk).update(verdict_at_tip=Verdict.FAILED)
    assert reads.attention().failing_at_tip == 0  # the same basis again: still acknowledged
    ComponentSync.objects.filter(pk=drifting.sync.pk).update(tip_commit="f" * 40)
    assert reads.attention().failing_at_tip == 1


def test_noop_and_obsolete_are_acknowledged_on_their_deviation(drifting, admin_user):
    actor = as_user(admin_user)
    ownership.acknowledge(
        actor, AcknowledgedSubject.NOOP_AT_TIP, drifting.noop, reason="Known", expires_on=UNTIL
    )
    ownership.acknowledge(
        actor, AcknowledgedSubject.OBSOLETE, drifting.obsolete, reason="Kept", expires_on=UNTIL
    )
    counts = reads.attention()
    assert (counts.noop_at_tip, counts.obsolete) == (0, 0)
    Deviation.objects.filter(pk=drifting.obsolete.pk).update(obsolete=False)
    Deviation.objects.filter(pk=drifting.obsolete.pk).update(obsolete=True, fingerprint="x" * 64)
    assert reads.attention().obsolete == 1  # the content changed under it


def test_only_what_is_true_can_be_acknowledged(drifting, reviewer):
    actor = as_user(reviewer)
    with pytest.raises(ownership.OwnershipError, match="not failed"):
        ownership.acknowledge(
            actor, AcknowledgedSubject.FAILING_AT_TIP, drifting.noop, reason="x", expires_on=UNTIL
        )
    with pytest.raises(ownership.OwnershipError, match="reason"):
        ownership.acknowledge(
            actor, AcknowledgedSubject.DRIFT, drifting.component, reason=" ", expires_on=UNTIL
        )
    with pytest.raises(ownership.OwnershipError, match="after today"):
        ownership.acknowledge(
            actor, AcknowledgedSubject.DRIFT, drifting.component, reason="x", expires_on=TODAY
        )
    with pytest.raises(ownership.OwnershipError, match="at most"):
        ownership.acknowledge(
            actor,
            AcknowledgedSubject.DRIFT,
            drifting.component,
            reason="x",
            expires_on=TODAY + dt.timedelta(days=400),
        )
    with pytest.raises(ownership.OwnershipError, match="on a component"):
        ownership.acknowledge(
            actor, AcknowledgedSubject.DRIFT, drifting.failing, reason="x", expires_on=UNTIL
        )
    assert not Acknowledgement.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGED).exists()


def test_viewers_cannot_acknowledge(drifting, viewer):
    with pytest.raises(PermissionDenied):
        _ack_drift(viewer, drifting)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_again_replaces_and_every_change_is_audited(drifting, reviewer):
    first = _ack_drift(reviewer, drifting)
    second = _ack_drift(reviewer, drifting, until=UNTIL + dt.timedelta(days=5))
    first.refresh_from_db()
    assert first.state == AcknowledgementState.REPLACED
    events = list(AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGED).order_by("seq"))
    assert len(events) == 2
    assert events[1].before["replaced"][0]["acknowledgement"] == first.pk
    assert events[1].after["expires_on"] == "2026-12-22"
    assert events[1].after["basis"]["tip_commit"] == drifting.sync.tip_commit
    assert events[1].object_type == "component" and events[1].actor_label == "rita"
    assert ownership.withdraw(as_user(reviewer), second) is True
    assert ownership.withdraw(as_user(reviewer), second) is False  # once
    assert AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGEMENT_WITHDRAWN).count() == 1
    assert reads.attention().behind == 1


def test_expire_records_what_ended_once_each(drifting, reviewer, clock):
    _ack_drift(reviewer, drifting)
    ownership.acknowledge(
        as_user(reviewer),
        AcknowledgedSubject.FAILING_AT_TIP,
        drifting.failing,
        reason="Known",
        expires_on=UNTIL + dt.timedelta(days=30),
    )
    job = factories.SETUP
    assert ownership.record_lapsed(job).total == 0
    ComponentSync.objects.filter(pk=drifting.sync.pk).update(tip_commit="f" * 40)
    lapsed = ownership.record_lapsed(job)
    # The new tip ends both: the drift's and the failure's basis.
    assert (len(lapsed.expired), len(lapsed.basis_changed)) == (0, 2)
    event = AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGEMENT_LAPSED).first()
    assert event.after["changed"]["tip_commit"]["now"] == "f" * 40
    assert ownership.record_lapsed(job).total == 0  # idempotent
    assert AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGEMENT_LAPSED).count() == 2

    again = _ack_drift(reviewer, drifting)  # on the new tip
    clock.move_to(dt.datetime(2026, 12, 18, tzinfo=dt.UTC))
    assert ownership.record_lapsed(job).expired == [again]
    assert ownership.record_lapsed(job).total == 0
    assert AuditEvent.objects.filter(action=AuditAction.ACKNOWLEDGEMENT_EXPIRED).count() == 1


def test_expiring_soon_and_ended_since_are_per_user(drifting, reviewer, admin_user, clock):
    soon = _ack_drift(reviewer, drifting, until=TODAY + dt.timedelta(days=3))
    ownership.acknowledge(
        as_user(admin_user),
        AcknowledgedSubject.NOOP_AT_TIP,
        drifting.noop,
        reason="Known",
        expires_on=TODAY + dt.timedelta(days=2),
    )
    assert list(reads.acknowledgements_expiring_soon(reviewer)) == [soon]
    assert list(reads.acknowledgements_expiring_soon(reviewer, within_days=2)) == []
    start = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    clock.move_to(dt.datetime(2026, 12, 11, tzinfo=dt.UTC))
    ownership.record_lapsed(factories.SETUP)
    assert list(reads.acknowledgements_ended_since(reviewer, start)) == [soon]
    assert len(reads.acknowledgements_ended_since(None, start)) == 2

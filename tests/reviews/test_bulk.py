"""Bulk approval: one confirmation, one transaction, each deviation its own check and event."""

import pytest
from django.core.exceptions import PermissionDenied

from deviations.domain import audit, reviews
from deviations.models import AuditEvent, Origin, Review, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db


def test_bulk_approval_checks_each_deviation_and_records_each_event(reviewer):
    mine = factories.make_commit(author="Rita", email="rita@example.com")
    ok1, ok2 = factories.make_deviation("bash"), factories.make_deviation("zlib", effect="-x\n+y\n")
    own = factories.make_deviation("curl", introduced=mine)
    done = factories.make_deviation("curl")
    reviews.decide(audit.Actor.for_user(reviewer), done, "approved", seen=reviews.seen_now(done))
    moved = factories.make_deviation("gzip", effect="-1\n+2\n")
    seen_moved = reviews.seen_now(moved)
    factories.record_effect(moved, "-1\n+3\n")

    preview = dict(reviews.bulk_preview(reviewer, [ok1.pk, ok2.pk, own.pk, done.pk]))
    assert preview[ok1] is None and preview[ok2] is None
    assert preview[own].startswith("Four eyes")
    assert preview[done] == "Already approved."

    selection = {d.pk: reviews.seen_now(d) for d in (ok1, ok2, own, done)}
    selection[moved.pk] = seen_moved
    selection[999999] = reviews.Seen("0" * 64, "")
    events_before = AuditEvent.objects.count()
    outcome = reviews.approve_many(audit.Actor.for_user(reviewer, Origin.WEB), selection)

    assert sorted(r.deviation_id for r in outcome.approved) == sorted([ok1.pk, ok2.pk])
    refused = {r.deviation_id: r.reason for r in outcome.refused}
    assert set(refused) == {own.pk, done.pk, moved.pk, 999999}
    assert refused[moved.pk].startswith(
        "It changed after you confirmed: its rendered effect at the pinned upstream commit"
    )
    events = list(AuditEvent.objects.filter(seq__gt=events_before).order_by("seq"))
    assert [e.action for e in events] == ["review.approved", "review.approved"]
    assert {e.object_id for e in events} == {str(ok1.pk), str(ok2.pk)}
    for dev in (ok1, ok2):
        dev.refresh_from_db()
        assert dev.review_state == ReviewState.APPROVED
    own.refresh_from_db()
    assert own.review_state == ReviewState.NEEDS_REVIEW
    assert Review.objects.filter(deviation=ok2).get().effect_diff == "-x\n+y\n"
    assert audit.verify().ok


def test_bulk_approval_needs_the_reviewer_role(viewer):
    dev = factories.make_deviation()
    with pytest.raises(PermissionDenied):
        reviews.approve_many(audit.Actor.for_user(viewer), {dev.pk: reviews.seen_now(dev)})
    assert not Review.objects.exists()

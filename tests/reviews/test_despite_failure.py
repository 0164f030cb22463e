"""Approving a deviation that is broken now (fails at the pinned upstream commit) needs a
comment, in every face (the domain's rule), and its event says it was approved despite
the failure; four eyes as a query (the queue's "I may decide")."""

import pytest

from deviations.domain import audit, notes, permissions, reviews
from deviations.models import AuditEvent, Deviation, Origin, Review, ReviewState, Verdict
from tests import factories

pytestmark = pytest.mark.django_db


def act(user, origin=Origin.WEB):
    return audit.Actor.for_user(user, origin)


def broken(component="bash", **kwargs):
    """A deviation whose last sync found it failing at the pin (applied at the tip)."""
    dev = factories.make_deviation(component, **kwargs)
    run = factories.make_sync_run()
    factories.make_overlay_result(dev, run, "pin", Verdict.FAILED, message="no line matches")
    factories.make_overlay_result(dev, run, "tip", Verdict.APPLIED)
    Deviation.objects.filter(pk=dev.pk).update(
        verdict_at_pin=Verdict.FAILED, verdict_at_tip=Verdict.APPLIED
    )
    dev.refresh_from_db()
    return dev


def test_broken_now_is_a_failure_at_the_pin():
    ok = factories.make_deviation(effect="-a\n+b\n")
    assert not reviews.broken_now(ok)
    assert reviews.broken_now(broken("zlib"))
    never_synced = factories.make_deviation("curl")
    assert not reviews.broken_now(never_synced)


def test_approving_a_broken_deviation_needs_a_comment_and_the_event_says_so(reviewer):
    dev = broken()
    with pytest.raises(reviews.ReviewError, match="despite the failure") as e:
        reviews.decide(act(reviewer), dev, "approved", "  ", seen=reviews.seen_now(dev))
    assert e.value.field == "comment"
    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="review").exists()

    review = reviews.decide(
        act(reviewer), dev, "approved", "Fixed by the rebase next week.", seen=reviews.seen_now(dev)
    )
    assert review.comment == "Fixed by the rebase next week."
    event = AuditEvent.objects.get(action="review.approved")
    assert event.after["despite_failure"] is True
    assert event.after["verdict_at_pin"] == "failed"
    assert event.after["verdict_at_tip"] == "applied"
    assert audit.verify().ok


def test_an_approval_of_a_working_deviation_needs_no_comment_and_says_not_despite(reviewer):
    dev = factories.make_deviation(effect="-a\n+b\n")
    reviews.decide(act(reviewer), dev, "approved", seen=reviews.seen_now(dev))
    assert AuditEvent.objects.get(action="review.approved").after["despite_failure"] is False


def test_requesting_changes_on_a_broken_deviation_records_no_despite(reviewer):
    dev = broken()
    reviews.decide(act(reviewer), dev, "changes-requested", "Fix it.", seen=reviews.seen_now(dev))
    event = AuditEvent.objects.get(action="review.changes-requested")
    assert event.after["despite_failure"] is False


def test_comment_refusal_is_the_shared_rule():
    dev, ok = broken(), factories.make_deviation("curl")
    assert reviews.comment_refusal(dev, "approved", "") == reviews.DESPITE_FAILURE
    assert reviews.comment_refusal(dev, "approved", "why") is None
    assert reviews.comment_refusal(ok, "approved", "") is None
    assert "comment is required" in reviews.comment_refusal(ok, "rejected", "")
    assert "longer than" in reviews.comment_refusal(ok, "approved", "x" * 10_001)


def test_bulk_approval_refuses_broken_ones_without_a_comment_and_approves_them_with_one(
    reviewer,
):
    dev, ok = broken(), factories.make_deviation("curl")
    selection = {d.pk: reviews.seen_now(d) for d in (dev, ok)}
    outcome = reviews.approve_many(act(reviewer), selection)
    assert [r.deviation_id for r in outcome.approved] == [ok.pk]
    assert [(r.deviation_id, r.reason) for r in outcome.refused] == [
        (dev.pk, reviews.DESPITE_FAILURE)
    ]
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW

    outcome = reviews.approve_many(act(reviewer), {dev.pk: reviews.seen_now(dev)}, "Known; fixed.")
    assert [r.deviation_id for r in outcome.approved] == [dev.pk]
    event = AuditEvent.objects.filter(action="review.approved", object_id=str(dev.pk)).get()
    assert event.after["despite_failure"] is True and event.after["comment"] == "Known; fixed."


def test_approvable_is_four_eyes_as_a_query(reviewer, second_reviewer):
    mine = factories.make_commit(author="Rita", email="RITA@example.com")
    own = factories.make_deviation("bash", introduced=mine)
    changed_by_me = factories.make_deviation("zlib", changed=mine)
    noted = factories.make_deviation("curl")
    notes.add_note(act(reviewer), noted, "Why this exists.")
    free = factories.make_deviation("gzip")
    everything = Deviation.objects.all()
    assert set(permissions.approvable(reviewer, everything)) == {free}
    assert permissions.approval_refusals(reviewer, list(everything)).keys() == {
        own.pk,
        changed_by_me.pk,
        noted.pk,
    }
    assert set(permissions.approvable(second_reviewer, everything)) == {
        own,
        changed_by_me,
        noted,
        free,
    }
    viewer = factories.make_user("vic", roles=[permissions.VIEWER])
    assert not permissions.approvable(viewer, everything).exists()

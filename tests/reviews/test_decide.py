"""Recording decisions: comments, binding to content, four eyes, and their events."""

import pytest
from django.core.exceptions import PermissionDenied

from deviations.domain import audit, reviews
from deviations.models import AuditEvent, Origin, OverlayResult, Review, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db


def act(user, origin=Origin.WEB):
    return audit.Actor.for_user(user, origin)


def test_approval_is_bound_to_fingerprint_and_effect_and_audited(reviewer):
    dev = factories.make_deviation(effect="@@ -1 +1 @@\n-foo\n+bar\n")
    review = reviews.decide(act(reviewer), dev, "approved", seen=reviews.seen_now(dev))

    dev.refresh_from_db()
    assert dev.review_state == ReviewState.APPROVED
    assert dev.review_state_changed_at == review.created_at
    assert (review.fingerprint, review.effect_hash) == (dev.fingerprint, dev.effect_hash)
    assert review.effect_diff == "@@ -1 +1 @@\n-foo\n+bar\n"
    assert review.version == dev.current_version
    event = AuditEvent.objects.get(action="review.approved")
    assert event.actor == reviewer and event.origin == "web"
    assert (event.object_type, event.object_id) == ("deviation", str(dev.pk))
    assert event.component_name == "bash"
    assert event.before == {"review_state": "needs-review"}
    assert event.after["review_state"] == "approved"
    assert event.after["fingerprint"] == dev.fingerprint
    assert event.after["effect_hash"] == dev.effect_hash
    assert event.after["review"] == review.pk
    assert audit.verify().ok


@pytest.mark.parametrize("decision", ["changes-requested", "rejected"])
def test_anything_but_approve_needs_a_comment(reviewer, decision):
    dev = factories.make_deviation()
    with pytest.raises(reviews.ReviewError, match="comment is required") as caught:
        reviews.decide(act(reviewer), dev, decision, "   ", seen=reviews.seen_now(dev))
    assert caught.value.field == "comment"
    assert not Review.objects.exists() and not AuditEvent.objects.filter(
        action__startswith="review"
    )

    review = reviews.decide(
        act(reviewer, Origin.API),
        dev,
        decision,
        "  Use a patch instead. ",
        seen=reviews.seen_now(dev),
    )
    assert review.comment == "Use a patch instead."
    dev.refresh_from_db()
    assert dev.review_state == decision
    event = AuditEvent.objects.get(action=f"review.{decision}")
    assert event.origin == "api" and event.after["comment"] == "Use a patch instead."


def test_unknown_decision_is_refused(reviewer):
    with pytest.raises(reviews.ReviewError, match="unknown decision"):
        dev = factories.make_deviation()
        reviews.decide(act(reviewer), dev, "stale", "x", seen=reviews.seen_now(dev))


def test_a_decision_on_content_that_changed_meanwhile_is_refused(reviewer):
    dev = factories.make_deviation(effect="-a\n+b\n")
    seen = reviews.seen_now(dev)
    factories.record_effect(dev, "-a\n+c\n")  # a sync ran while the reviewer read the page
    with pytest.raises(reviews.ContentChanged) as caught:
        reviews.decide(act(reviewer), dev, "approved", seen=seen)
    dev.refresh_from_db()
    assert caught.value.changed == ("effect",)
    run = OverlayResult.objects.get(deviation=dev, target="pin").run_id
    assert str(caught.value) == (
        f"{dev} changed since you read it: its rendered effect at the pinned upstream "
        f"commit (you read effect {seen.effect_hash[:12]}, it is now {dev.effect_hash[:12]}, "
        f"rendered by sync #{run} at {'a' * 12}). Read it again and decide on what it is now."
    )
    assert caught.value.current == reviews.seen_now(dev)
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    assert not Review.objects.exists()


def test_a_decision_names_the_content_versions_read_and_current(reviewer):
    dev = factories.make_deviation(effect="-a\n+b\n")
    seen = reviews.seen_now(dev)
    factories.add_version(dev, {"type": "spec-remove-tag", "tag": "Recommends", "value": "x"})
    dev.refresh_from_db()
    with pytest.raises(reviews.ContentChanged) as caught:
        reviews.decide(act(reviewer), dev, "approved", seen=seen)
    assert caught.value.changed == ("content",)
    assert "its content (you read version 1, it is now version 2)" in str(caught.value)
    forged = reviews.Seen("f" * 64, dev.effect_hash)
    with pytest.raises(reviews.ContentChanged, match="you read a version it never had"):
        reviews.decide(act(reviewer), dev, "approved", seen=forged)
    assert not Review.objects.exists()


def test_four_eyes_refuses_approving_your_own_deviation_and_writes_nothing(reviewer):
    dev = factories.make_deviation(
        introduced=factories.make_commit(author="Rita", email="rita@example.com")
    )
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="Four eyes"):
        reviews.decide(act(reviewer), dev, "approved", seen=reviews.seen_now(dev))
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    assert AuditEvent.objects.count() == before and not Review.objects.exists()
    # ... but the author may still ask for changes on it, and another reviewer may approve.
    reviews.decide(
        act(reviewer), dev, "changes-requested", "I will rework this.", seen=reviews.seen_now(dev)
    )


def test_viewers_and_admins_cannot_decide(viewer, admin_user):
    dev = factories.make_deviation()
    for user in (viewer, admin_user):
        with pytest.raises(PermissionDenied, match="Only reviewers"):
            reviews.decide(act(user), dev, "approved", seen=reviews.seen_now(dev))
    assert not Review.objects.exists()


def test_removed_deviations_cannot_be_decided(reviewer):
    dev = factories.make_deviation()
    dev.removed = True
    dev.save()
    with pytest.raises(PermissionDenied, match="no longer in the config"):
        reviews.decide(act(reviewer), dev, "rejected", "gone", seen=reviews.seen_now(dev))


def test_history_lists_every_decision_newest_first(reviewer, second_reviewer):
    dev = factories.make_deviation()
    first = reviews.decide(
        act(reviewer), dev, "changes-requested", "Explain the regex.", seen=reviews.seen_now(dev)
    )
    second = reviews.decide(act(second_reviewer), dev, "approved", seen=reviews.seen_now(dev))
    assert [r.pk for r in reviews.history(dev)] == [second.pk, first.pk]
    assert list(
        AuditEvent.objects.filter(
            object_type="deviation", object_id=str(dev.pk), action__startswith="review."
        )
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["review.changes-requested", "review.approved"]

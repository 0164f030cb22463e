"""Decisions lapse to stale when the content or the effect decided on changes.

These exercise the shared rule `reviews.lapse_changed` directly; the end-to-end
tests (tests/reviews/test_staleness_pipeline.py) drive it through the real
importer and sync.
"""

import pytest

from deviations.domain import audit, reviews
from deviations.models import AuditEvent, Origin, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db
IMPORT = audit.Actor.job("import #2", Origin.COMMAND)


def decide(user, dev, decision="approved", comment=""):
    return reviews.decide(
        audit.Actor.for_user(user), dev, decision, comment, seen=reviews.seen_now(dev)
    )


def test_an_approval_lapses_when_a_reimport_changes_the_content(reviewer):
    dev = factories.make_deviation(
        content={"type": "spec-add-tag", "tag": "Provides", "value": "a"}
    )
    decide(reviewer, dev)
    factories.add_version(dev, {"type": "spec-add-tag", "tag": "Provides", "value": "b"})

    stale = reviews.lapse_changed(IMPORT, [dev], cause="config re-import, import #2")

    assert [d.pk for d in stale] == [dev.pk]
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.STALE
    event = AuditEvent.objects.get(action="review.lapsed")
    assert event.actor_label == "import #2" and event.actor is None
    assert event.before["review_state"] == "approved"
    assert event.after["review_state"] == "stale"
    assert event.after["reason"] == (
        "Its content changed (config re-import, import #2) after it was decided (approved by rita)."
    )
    assert audit.verify().ok


def test_an_approval_lapses_when_a_sync_changes_the_rendered_effect(reviewer):
    dev = factories.make_deviation(effect="-Release: 1\n+Release: 1.azl\n")
    decide(reviewer, dev)
    factories.record_effect(dev, "-Release: 2\n+Release: 2.azl\n")
    reviews.lapse_changed(IMPORT, [dev.pk], cause="sync #4")
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.STALE
    reason = AuditEvent.objects.get(action="review.lapsed").after["reason"]
    assert reason.startswith("Its rendered effect at the pinned upstream commit changed (sync #4)")


@pytest.mark.parametrize(
    ("decision", "comment"), [("changes-requested", "split it"), ("rejected", "no")]
)
def test_every_decision_lapses_not_only_approvals(reviewer, decision, comment):
    dev = factories.make_deviation()
    decide(reviewer, dev, decision, comment)
    factories.add_version(dev, {"type": "spec-add-tag", "tag": "X", "value": "changed"})
    assert reviews.lapse_changed(IMPORT, [dev], cause="import #2")
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.STALE


def test_nothing_lapses_when_content_and_effect_are_unchanged(reviewer):
    decided = factories.make_deviation(effect="-a\n+b\n")
    decide(reviewer, decided)
    factories.record_effect(decided, "-a\n+b\n")  # a re-sync rendering the very same diff
    undecided = factories.make_deviation()
    factories.add_version(undecided, {"type": "spec-add-tag", "tag": "Y", "value": "1"})
    before = AuditEvent.objects.count()
    assert reviews.lapse_changed(IMPORT, [decided, undecided], cause="import #3") == []
    assert AuditEvent.objects.count() == before
    undecided.refresh_from_db()
    assert undecided.review_state == ReviewState.NEEDS_REVIEW


def test_a_fresh_decision_binds_again_after_a_lapse(reviewer, second_reviewer):
    dev = factories.make_deviation()
    decide(reviewer, dev)
    factories.add_version(dev, {"type": "spec-add-tag", "tag": "Z", "value": "2"})
    reviews.lapse_changed(IMPORT, [dev], cause="import #2")
    decide(second_reviewer, dev)
    assert reviews.lapse_changed(IMPORT, [dev], cause="import #3") == []
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.APPROVED


def test_changes_since_decision_shows_only_what_moved(reviewer):
    dev = factories.make_deviation(
        content={"type": "spec-search-replace", "regex": "^Release:.*", "replacement": "1%{?dist}"},
        effect="-Release: 3%{?dist}\n+Release: 1%{?dist}\n",
    )
    assert reviews.changes_since_decision(dev) is None
    decide(reviewer, dev)
    unchanged = reviews.changes_since_decision(dev)
    assert not unchanged.changed and unchanged.content_diff == "" and unchanged.effect_diff == ""

    factories.add_version(
        dev, {"type": "spec-search-replace", "regex": "^Release:.*", "replacement": "2%{?dist}"}
    )
    factories.record_effect(dev, "-Release: 3%{?dist}\n+Release: 2%{?dist}\n")
    since = reviews.changes_since_decision(dev)
    assert since.content_changed and since.effect_changed
    assert '-    "replacement": "1%{?dist}",\n' in since.content_diff
    assert '+    "replacement": "2%{?dist}",\n' in since.content_diff
    assert '"regex"' not in since.content_diff.split("@@")[0]
    assert since.content_diff.startswith("--- decided: v1, approved by rita")
    assert "+++ now: v2" in since.content_diff
    assert " -Release: 3%{?dist}\n" in since.effect_diff  # unchanged context line
    assert "\n-+Release: 1%{?dist}\n" in since.effect_diff
    assert "++Release: 2%{?dist}\n" in since.effect_diff

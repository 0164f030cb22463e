"""Review decisions from the deviation page and the review page (no JavaScript needed)."""

import pytest
from django.urls import reverse

from deviations.domain import audit, notes, reviews
from deviations.domain.permissions import REVIEWER, VIEWER
from deviations.models import AuditEvent, Origin, Review, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(db):
    return factories.make_deviation(
        "curl",
        content={"type": "spec-remove-tag", "tag": "Recommends", "value": "ca-certificates"},
        description="Drop the CA bundle dependency",
        introduced=factories.make_commit(author="Ann Author", email="ann@example.com"),
        effect="--- a/curl.spec\n+++ b/curl.spec\n@@ -3 +3 @@\n-Recommends: ca-certificates\n",
    )


def decide_data(d, decision, comment=""):
    d.refresh_from_db()
    return {
        "decision": decision,
        "comment": comment,
        "fingerprint": d.fingerprint,
        "effect_hash": d.effect_hash,
    }


def test_the_deviation_page_offers_the_decision_form_to_reviewers(client, rita, dev):
    html = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    panel = html[html.index('id="review"') :]
    assert f'action="{reverse("deviation_review", args=[dev.pk])}"' in panel
    assert 'name="fingerprint" value="' + dev.fingerprint in panel
    # Nothing is picked for the reviewer: one tap must not approve unread content.
    assert 'name="decision"' in panel and "checked" not in panel


def test_viewers_read_the_panel_without_a_form(client, dev):
    client.force_login(factories.make_user("vera", roles=[VIEWER]))
    html = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    assert "Reviewers record decisions here" in html
    assert 'name="decision"' not in html
    assert client.get(reverse("deviation_review", args=[dev.pk])).status_code == 200


def test_approving_from_the_page_records_the_decision_and_redirects(client, rita, dev):
    url = reverse("deviation_review", args=[dev.pk])
    response = client.post(url, decide_data(dev, "approved"))
    assert response.status_code == 302
    assert response.url == reverse("deviation", args=[dev.pk]) + "#review"
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.APPROVED
    event = AuditEvent.objects.get(action="review.approved")
    assert event.actor == rita and event.origin == "web"
    page = client.get(response.url).content.decode()
    assert "Recorded: approved." in page


def test_request_changes_without_a_comment_is_a_form_error(client, rita, dev):
    url = reverse("deviation_review", args=[dev.pk])
    response = client.post(url, decide_data(dev, "changes-requested", "  "))
    assert response.status_code == 400
    assert "a comment is required to request changes or reject" in response.content.decode()
    assert not Review.objects.exists()
    response = client.post(url, decide_data(dev, "changes-requested", "Upstream has a fix"))
    assert response.status_code == 302
    assert Review.objects.get().comment == "Upstream has a fix"


def test_four_eyes_disables_approve_and_refuses_a_forged_post(client, dev):
    ann = factories.make_user(
        "ann", roles=[REVIEWER], email="ann@example.com"
    )  # authored the deviation
    client.force_login(ann)
    html = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    assert 'value="approved" disabled' in html
    assert "Four eyes: you authored this deviation (introduced in your commit" in html
    response = client.post(reverse("deviation_review", args=[dev.pk]), decide_data(dev, "approved"))
    assert response.status_code == 403
    assert "Four eyes" in response.content.decode()
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    # Their own note bars another reviewer too.
    rob = factories.make_user("rob", roles=[REVIEWER])
    notes.add_note(audit.Actor.for_user(rob), dev, "We need this because ...")
    client.force_login(rob)
    assert (
        client.post(
            reverse("deviation_review", args=[dev.pk]), decide_data(dev, "approved")
        ).status_code
        == 403
    )


def test_a_decision_on_content_that_changed_meanwhile_is_refused_with_the_new_state(
    client, rita, dev
):
    data = decide_data(dev, "approved")
    factories.record_effect(dev, "--- a/curl.spec\n+++ b/curl.spec\n@@ -4 +4 @@\n-Recommends: x\n")
    response = client.post(reverse("deviation_review", args=[dev.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since you read it: its rendered effect at the pinned upstream commit" in html
    dev.refresh_from_db()
    assert 'name="effect_hash" value="' + dev.effect_hash in html  # decide again on what is now
    assert not Review.objects.exists()


def test_a_stale_deviation_shows_what_changed_since_the_decision(client, rita, dev):
    reviews.decide(
        audit.Actor.for_user(factories.make_user("rob", roles=[REVIEWER])),
        dev,
        "approved",
        seen=reviews.seen_now(dev),
    )
    factories.add_version(
        dev, {"type": "spec-remove-tag", "tag": "Recommends", "value": "ca-certificates-2"}
    )
    factories.record_effect(dev, "--- a/curl.spec\n+++ b/curl.spec\n@@ -3 +3 @@\n-Recommends: x\n")
    reviews.lapse_changed(audit.Actor.job("import #2", Origin.COMMAND), [dev], cause="import #2")
    for url in (reverse("deviation", args=[dev.pk]), reverse("deviation_review", args=[dev.pk])):
        html = client.get(url).content.decode()
        since = html[html.index('id="since"') :]
        assert "What changed since it was approved" in since
        assert "Content and justification" in since and "ca-certificates-2" in since
        assert "Rendered effect at the pinned upstream commit" in since
    assert "stale" in html


def test_the_deviation_page_query_count_stays_bounded_for_reviewers(client, rita, dev):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("deviation", args=[dev.pk])).status_code == 200
        return len(ctx.captured_queries)

    rob = factories.make_user("rob", roles=[REVIEWER])
    reviews.decide(
        audit.Actor.for_user(rob),
        dev,
        "changes-requested",
        "first round",
        seen=reviews.seen_now(dev),
    )
    notes.add_note(audit.Actor.for_user(rob), dev, "first note")
    base = count()
    for i in range(5):
        reviews.decide(
            audit.Actor.for_user(rob),
            dev,
            "changes-requested",
            f"round {i}",
            seen=reviews.seen_now(dev),
        )
        notes.add_note(audit.Actor.for_user(rob), dev, f"note {i}")
    assert count() == base


@pytest.mark.parametrize("left_out", ["fingerprint", "effect_hash"])
def test_a_decision_without_what_was_read_is_refused(client, rita, dev, left_out):
    data = decide_data(dev, "approved")
    del data[left_out]
    response = client.post(reverse("deviation_review", args=[dev.pk]), data)
    assert response.status_code == 400
    assert not Review.objects.exists()
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW

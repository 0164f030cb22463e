"""The review page as a reviewer reads it (verdicts and the failure before the form,
nothing picked), the queue it walks (same filters, next item after a decision, four
eyes marked before selection), the bulk confirmation's verdicts, and stale side by side."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deviations.domain import audit, notes, reviews
from deviations.models import AuditEvent, Deviation, DeviationVersion, ReviewState, Verdict
from deviations.reads import queries
from tests import factories

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
REASON = "spec-search-replace: no line matches 'Release: 1%{?dist}'"


def broken(component="curl", **kwargs):
    """An overlay that fails at the pin (with the sync's reason) and applies at the tip."""
    dev = factories.make_deviation(component, **kwargs)
    run = factories.make_sync_run()
    factories.make_overlay_result(dev, run, "pin", Verdict.FAILED, message=REASON, diff="")
    factories.make_overlay_result(dev, run, "tip", Verdict.APPLIED)
    Deviation.objects.filter(pk=dev.pk).update(
        verdict_at_pin=Verdict.FAILED, verdict_at_tip=Verdict.APPLIED
    )
    dev.refresh_from_db()
    return dev


def review_url(dev, queue=None):
    url = reverse("deviation_review", args=[dev.pk])
    return url if queue is None else f"{url}?{urlencode({'queue': queue})}"


def seen(dev, decision, comment="", **extra):
    dev.refresh_from_db()
    return {
        "decision": decision,
        "comment": comment,
        "fingerprint": dev.fingerprint,
        "effect_hash": dev.effect_hash,
        **extra,
    }


# --- the review page ----------------------------------------------------------------------


def test_a_broken_overlay_shows_failed_and_its_reason_before_an_unpicked_form(client, rita):
    dev = broken()
    html = client.get(review_url(dev)).content.decode()
    form = html.index('class="stacked review-form"')
    assert html.index("Broken now: it fails at the pinned upstream commit") < form
    assert html.index('<span class="badge verdict-failed">failed</span>') < form
    assert html.index(REASON.replace("'", "&#x27;")) < form
    assert html.index('id="verdict-tip"') < form
    assert html.index('id="effect-h"') < form and html.index('id="content-h"') < form
    assert "It did not apply at the pin" in html
    assert "checked" not in html[form : html.index("</form>", form)]
    assert "say why you approve despite the failure" in html[form:]


def test_a_working_overlay_shows_its_diff_before_the_form(client, rita):
    dev = factories.make_deviation("curl", effect="--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n")
    html = client.get(review_url(dev)).content.decode()
    form = html.index('class="stacked review-form"')
    assert html.index('<span class="badge verdict-applied">applied</span>') < form
    assert html.index("new") < form
    assert "Broken now" not in html
    assert "checked" not in html[form : html.index("</form>", form)]


def test_approving_a_broken_overlay_without_a_comment_is_refused_on_the_page(client, rita):
    dev = broken()
    response = client.post(review_url(dev), seen(dev, "approved"))
    assert response.status_code == 400
    assert "despite the failure" in response.content.decode()
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    response = client.post(review_url(dev), seen(dev, "approved", "Known; the rebase fixes it."))
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="review.approved")
    assert event.after["despite_failure"] is True


def test_the_shortcuts_are_listed_on_the_page_and_their_script_is_served(client, rita):
    dev = factories.make_deviation("curl")
    html = client.get(review_url(dev)).content.decode()
    assert '<dialog id="shortcuts"' in html
    for key in ("j", "k", "a", "c", "?"):
        assert f"<kbd>{key}</kbd>" in html
    assert "js/review-keys" in html and "Keyboard shortcuts <kbd>?</kbd>" in html


# --- walking the queue ------------------------------------------------------------------------


def queued(component, days, **kwargs):
    dev = factories.make_deviation(component, **kwargs)
    DeviationVersion.objects.filter(deviation=dev).update(created_at=T0 + dt.timedelta(days=days))
    dev.refresh_from_db()
    return dev


def test_after_a_decision_the_next_item_of_the_same_filtered_queue_follows(client, rita):
    first, other, second, third = (
        queued("curl", 1),
        queued("zlib", 2),
        queued("curl", 3),
        queued("curl", 4),
    )
    query = "component=curl"
    html = client.get(review_url(second, query)).content.decode()
    assert "2 of 3 waiting" in html
    assert f'href="{review_url(first, query).replace("&", "&amp;")}" rel="prev"' in html
    assert f'href="{review_url(third, query).replace("&", "&amp;")}" rel="next"' in html
    assert 'name="queue" value="component=curl"' in html

    response = client.post(review_url(second), seen(second, "approved", queue=query))
    assert response.status_code == 302 and response.url == review_url(third, query)
    response = client.post(review_url(third), seen(third, "rejected", "No.", queue=query))
    # The one decided before the last is gone; from the end the queue starts over.
    assert response.url == review_url(first, query)
    response = client.post(review_url(first), seen(first, "approved", queue=query))
    assert response.url == reverse("review_queue") + "?component=curl"
    page = client.get(response.url).content.decode()
    assert "That was the last deviation waiting in this queue." in page
    assert other.pk not in {second.pk, third.pk, first.pk}


def test_a_failed_decision_keeps_the_queue(client, rita):
    dev = queued(
        "curl",
        1,
    )
    response = client.post(review_url(dev), seen(dev, "rejected", queue="kind=overlay"))
    assert response.status_code == 400
    assert 'name="queue" value="kind=overlay"' in response.content.decode()


def test_a_decision_from_the_deviation_page_stays_there(client, rita):
    dev = queued("curl", 1)
    response = client.post(review_url(dev), seen(dev, "approved"))
    assert response.url == reverse("deviation", args=[dev.pk]) + "#review"


def test_the_queue_links_carry_its_filters_and_mark_four_eyes_before_selection(client, rita):
    mine = factories.make_commit(author="Rita", email="rita@example.com")
    own = queued("curl", 1, introduced=mine)
    noted = queued("curl", 2)
    notes.add_note(audit.Actor.for_user(rita), noted, "Because.")
    free = queued("curl", 3)
    html = client.get(reverse("review_queue"), {"component": "curl", "page": "1"}).content.decode()
    assert review_url(free, "component=curl").replace("&", "&amp;") in html
    rows = html[html.index("<tbody>") :].split("<tr")[1:]

    def row(dev):
        (found,) = [r for r in rows if f'id="select-{dev.pk}"' in r]
        return found

    marked = ["four eyes: not yours to approve" in row(d) for d in (own, noted, free)]
    assert marked == [True, True, False]
    assert "Four eyes: you authored this deviation" in row(own)

    html = client.get(reverse("review_queue"), {"may_decide": "yes"}).content.decode()
    assert "1 deviation waiting" in html
    assert review_url(free, "may_decide=yes") in html
    assert review_url(own) + "?" not in html


def test_waiting_since_is_when_the_current_version_appeared(client, rita):
    dated = factories.make_commit(when=T0 + dt.timedelta(days=10))
    by_commit = queued("curl", 30, changed=dated)  # imported on day 30, committed on day 10
    by_import = queued("zlib", 20)  # read from a folder: no commit dates it
    lapsed = queued("bash", 5)  # its version appeared on day 5; its approval lapsed on day 25
    Deviation.objects.filter(pk=lapsed.pk).update(
        review_state=ReviewState.STALE, review_state_changed_at=T0 + dt.timedelta(days=25)
    )
    rows = {d.pk: d.waiting_since for d in queries.queue_rows()}
    assert rows[by_commit.pk] == T0 + dt.timedelta(days=10)
    assert rows[by_import.pk] == T0 + dt.timedelta(days=20)
    assert rows[lapsed.pk] == T0 + dt.timedelta(days=25)
    html = client.get(reverse("review_queue")).content.decode()
    order = [html.index(review_url(d) + "?") for d in (by_commit, by_import, lapsed)]
    assert order == sorted(order)
    assert "2026-03-11 00:00" in html


# --- bulk confirmation --------------------------------------------------------------------------


def test_the_bulk_confirmation_lists_verdicts_failures_and_who_may_approve(client, rita):
    mine = factories.make_commit(author="Rita", email="rita@example.com")
    own = factories.make_deviation("bash", introduced=mine, effect="-a\n+b\n")
    failing = broken("curl")
    fine = factories.make_deviation("zlib", effect="-a\n+b\n")
    url = reverse("review_bulk") + f"?d={own.pk}&d={failing.pk}&d={fine.pk}"
    html = client.get(url).content.decode()
    assert "Approve 2 deviations?" in html
    body = html[html.index("<tbody>") :]
    rows = dict(zip(("bash", "curl", "zlib"), body.split("<tr")[1:4], strict=True))
    assert "no, not approved:" in rows["bash"] and "Four eyes" in rows["bash"]
    assert (
        'verdict-failed">failed' in rows["curl"] and REASON.replace("'", "&#x27;") in rows["curl"]
    )
    assert 'verdict-applied">applied' in rows["curl"]  # at the tip
    assert "only with a comment" in rows["curl"]
    assert "yes, will be approved" in rows["zlib"] and 'verdict-applied">applied' in rows["zlib"]
    assert "required for the 1\n      that fails at the pin" in html

    confirm = [f"{d.pk}:{d.fingerprint}:{d.effect_hash}" for d in (failing, fine)]
    response = client.post(reverse("review_bulk"), {"d": confirm}, follow=True)
    text = response.content.decode()
    assert "Approved 1 deviation." in text and "despite the failure" in text
    failing.refresh_from_db()
    assert failing.review_state == ReviewState.NEEDS_REVIEW


# --- stale, side by side ------------------------------------------------------------------------


def test_a_stale_content_change_shows_both_versions_and_the_commit_that_changed_it(client, rita):
    dev = factories.make_deviation(
        "curl", content={"type": "spec-add-tag", "tag": "Provides", "value": "old-one"}
    )
    factories.recorded_approval(dev, factories.make_user("rob", roles=["reviewer"]))
    change = factories.make_commit(
        "Provide the new name", author="Carl Changer", email="carl@x.org"
    )
    factories.add_version(
        dev, {"type": "spec-add-tag", "tag": "Provides", "value": "new-one"}, changed=change
    )
    reviews.lapse_changed(audit.Actor.job("import #2"), [dev], cause="import #2")
    html = client.get(review_url(dev)).content.decode()
    since = html[html.index('id="since"') :]
    assert "side-by-side" in since
    assert since.index("old-one") < since.index("new-one")
    # The lines that differ are marked on each side, the others not.
    assert "<mark>    &quot;value&quot;: &quot;old-one&quot;\n</mark>" in since
    assert "<mark>    &quot;value&quot;: &quot;new-one&quot;\n</mark>" in since
    assert "&quot;tag&quot;: &quot;Provides&quot;" in since
    assert "<mark>    &quot;tag&quot;" not in since
    assert "Decided on (version 1)" in since and "Now (version 2)" in since
    assert change.sha[:12] in since and "Carl Changer" in since and "Provide the new name" in since
    assert "@@" not in since[: since.index("</div>")]  # no diff of diffs


def test_a_stale_effect_change_shows_both_effects_and_the_sync_that_rendered_it(client, rita):
    dev = factories.make_deviation(
        "curl", effect="--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+before-effect\n"
    )
    rob = factories.make_user("rob", roles=["reviewer"])
    reviews.decide(audit.Actor.for_user(rob), dev, "approved", seen=reviews.seen_now(dev))
    factories.record_effect(dev, "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+after-effect\n")
    reviews.lapse_changed(audit.Actor.job("sync #2"), [dev], cause="sync #2")
    dev.refresh_from_db()
    pin = dev.results.get(target="pin")
    html = client.get(review_url(dev)).content.decode()
    since = html[html.index('id="since"') :]
    assert since.index("before-effect") < since.index("after-effect")
    assert f"sync #{pin.run_id}" in since and pin.upstream_commit[:12] in since
    assert "-+before-effect" not in since


@pytest.mark.parametrize(
    "query", ["sort=bogus", "review_state=zzz&page=x", "%00=%ff&component=\x00", "may_decide=maybe"]
)
def test_a_queue_string_that_makes_no_sense_is_no_error(client, rita, query):
    dev = queued("curl", 1)
    response = client.get(review_url(dev, query))
    assert response.status_code == 200
    response = client.post(review_url(dev), seen(dev, "approved", queue=query))
    assert response.status_code == 302
    assert response.url.startswith(reverse("review_queue"))


def test_the_queue_and_a_review_page_in_it_cost_the_same_queries_however_long_the_queue(
    client, rita
):
    mine = factories.make_commit(author="Rita", email="rita@example.com")

    def counts():
        dev = Deviation.objects.order_by("pk").first()
        found = []
        for url in (reverse("review_queue") + "?may_decide=yes", review_url(dev, "kind=overlay")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    for n in range(3):
        queued("curl", n, introduced=mine if n == 1 else None)
    few = counts()
    for n in range(30):
        queued(f"pkg{n}", n, introduced=mine if n % 3 else None)
    assert counts() == few


def test_an_undocumented_overlay_is_listed_by_its_label_in_the_queue_and_on_its_pages(client, rita):
    dev = queued(
        "xen",
        1,
        description="",
        content={"type": "spec-remove-tag", "tag": "BuildRequires", "value": "xen-devel"},
    )
    assert dev.label and dev.label != dev.key
    queue = client.get(reverse("review_queue")).content.decode()
    assert f">{dev.label}</a>" in queue
    page = client.get(review_url(dev)).content.decode()
    assert f"<h1>Review: {dev.label}</h1>" in page
    bulk = client.get(reverse("review_bulk") + f"?d={dev.pk}").content.decode()
    assert f">{dev.label}</a>" in bulk

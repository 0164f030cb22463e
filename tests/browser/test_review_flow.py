"""The review page and bulk approval in a real browser: a broken-now overlay read before
an unpicked form and refused without a comment; walking a filtered queue; deciding by
keyboard alone; the bulk confirmation's verdicts and four-eyes refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from deviations.domain.permissions import REVIEWER
from deviations.models import AuditEvent, Deviation, DeviationVersion, ReviewState, Verdict
from tests import factories
from tests.browser.conftest import logged_in_page, screenshot

pytestmark = pytest.mark.browser
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
REASON = "spec-search-replace: no line matches 'Release: 1%{?dist}'"


@pytest.fixture
def reviewer(transactional_db):
    return factories.make_user("rita", roles=[REVIEWER], email="rita@example.com")


@pytest.fixture
def rita(browser, live_server, watch, reviewer):
    with logged_in_page(browser, live_server, watch, "rita") as page:
        yield page


def queued(component, days, description, **kwargs):
    """An overlay waiting since day `days` (imported then, no commit dating it)."""
    dev = factories.make_deviation(component, description=description, **kwargs)
    DeviationVersion.objects.filter(deviation=dev).update(created_at=T0 + dt.timedelta(days=days))
    dev.refresh_from_db()
    return dev


def broken(component, days, description, **kwargs):
    dev = queued(component, days, description, **kwargs)
    run = factories.make_sync_run()
    factories.make_overlay_result(dev, run, "pin", Verdict.FAILED, message=REASON, diff="")
    factories.make_overlay_result(dev, run, "tip", Verdict.APPLIED)
    Deviation.objects.filter(pk=dev.pk).update(
        verdict_at_pin=Verdict.FAILED, verdict_at_tip=Verdict.APPLIED
    )
    return dev


def test_a_broken_overlay_reads_failed_above_an_unpicked_form_and_needs_a_comment(rita, watch):
    dev = broken("curl", 1, "Drop the CA bundle")
    page = rita
    page.goto("/reviews/")
    page.get_by_role("link", name="Drop the CA bundle").click()
    page.wait_for_url(re.compile(rf"/deviations/{dev.pk}/review/\?queue="))
    pin = page.locator("#verdict-pin")
    assert "failed" in pin.inner_text() and REASON in pin.inner_text()
    assert page.locator("#broken-now").is_visible()
    form = page.locator("form.review-form")
    # Read first: the verdict and the reason sit above the form.
    assert pin.bounding_box()["y"] < form.bounding_box()["y"]
    radios = form.get_by_role("radio")
    assert radios.count() == 3
    assert not any(radios.nth(i).is_checked() for i in range(3))
    screenshot(page, "deviation-review")

    form.get_by_role("radio", name="Approve").check()
    form.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    assert "despite the failure" in page.locator("#comment-error").inner_text()
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    # That refusal is the page's 400 (the form with its error), expected here; nothing else.
    assert [p for p in watch.problems if "400" not in p] == []
    assert any(f"HTTP 400: {page.url}" == p for p in watch.problems)
    watch.problems.clear()

    page.get_by_role("radio", name="Approve").check()
    page.get_by_label(re.compile("^Comment")).fill("Fixed by the rebase on f43's tip.")
    page.get_by_role("button", name="Record decision").click()
    # The last one in its queue: back to the queue, which says so.
    page.wait_for_url(re.compile(r"/reviews/"))
    assert "That was the last deviation waiting" in page.locator(".messages").inner_text()
    event = AuditEvent.objects.get(action="review.approved", object_id=str(dev.pk))
    assert event.after["despite_failure"] is True


def test_after_a_decision_the_next_item_of_the_same_filtered_queue_opens(rita):
    first = queued("curl", 1, "First curl overlay")
    queued("zlib", 2, "A zlib overlay")
    second = queued("curl", 3, "Second curl overlay")
    page = rita
    page.goto("/reviews/?component=curl")
    page.get_by_role("link", name="First curl overlay").click()
    page.wait_for_url(re.compile(rf"/deviations/{first.pk}/review/\?queue=component%3Dcurl$"))
    assert "1 of 2 waiting" in page.locator(".queue-nav").first.inner_text()
    page.get_by_role("radio", name="Approve").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(rf"/deviations/{second.pk}/review/\?queue=component%3Dcurl$"))
    assert "Recorded: approved." in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == "Review: Second curl overlay"
    # The breadcrumb goes back to the same filtered queue, which the zlib one is not in.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Review queue"
    ).click()
    page.wait_for_url(re.compile(r"/reviews/\?component=curl$"))
    assert page.locator("#results tbody tr").count() == 1


def test_keyboard_alone_walks_the_queue_and_approves(rita):
    first = queued("curl", 1, "First overlay")
    second = queued("zlib", 2, "Second overlay")
    page = rita
    page.goto("/reviews/")
    page.get_by_role("link", name="First overlay").click()
    page.wait_for_url(re.compile(rf"/deviations/{first.pk}/review/"))
    page.locator("body").focus()
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    assert dialog.is_visible() and "next deviation in the queue" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.keyboard.press("j")
    page.wait_for_url(re.compile(rf"/deviations/{second.pk}/review/"))
    page.keyboard.press("k")
    page.wait_for_url(re.compile(rf"/deviations/{first.pk}/review/"))

    page.keyboard.press("a")
    assert page.get_by_role("radio", name="Approve").is_checked()
    comment = page.get_by_label(re.compile("^Comment"))
    assert comment.evaluate("el => el === document.activeElement")
    # Typing in the comment is typing, not shortcuts.
    page.keyboard.type("Looks right; j and k are letters here.")
    assert re.search(rf"/deviations/{first.pk}/review/", page.url)
    assert comment.input_value() == "Looks right; j and k are letters here."
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/deviations/{second.pk}/review/"))
    first.refresh_from_db()
    assert first.review_state == ReviewState.APPROVED

    page.locator("body").focus()
    page.keyboard.press("c")
    assert page.get_by_role("radio", name="Request changes").is_checked()
    page.keyboard.type("Say which bug this works around.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/reviews/"))
    second.refresh_from_db()
    assert second.review_state == ReviewState.CHANGES_REQUESTED


def test_bulk_confirmation_shows_verdicts_and_four_eyes_refusals_before_confirming(rita):
    mine = factories.make_commit(author="Rita", email="rita@example.com", when=T0)
    own = queued("bash", 1, "Rita's own overlay", introduced=mine, effect="-a\n+b\n")
    failing = broken("curl", 2, "A failing overlay")
    fine = queued("zlib", 3, "A fine overlay", effect="-a\n+b\n")
    page = rita
    page.goto("/reviews/")
    # Four eyes shows in the queue, before anything is selected.
    own_row = page.locator("#results tbody tr").filter(has_text="Rita's own overlay")
    assert "four eyes: not yours to approve" in own_row.inner_text()
    for dev in (own, failing, fine):
        page.locator(f"#select-{dev.pk}").check()
    page.get_by_role("button", name="Approve selected…").click()
    page.wait_for_url(re.compile(r"/reviews/bulk/\?"))
    assert page.locator("h1").inner_text() == "Approve 2 deviations?"
    rows = {
        name: page.locator("tbody tr").filter(has_text=name)
        for name in ("Rita's own overlay", "A failing overlay", "A fine overlay")
    }
    assert "Four eyes" in rows["Rita's own overlay"].locator(".approval").inner_text()
    failing_row = rows["A failing overlay"]
    assert "failed" in failing_row.locator(".verdict-pin").inner_text()
    assert REASON in failing_row.locator(".verdict-pin").inner_text()
    assert "applied" in failing_row.locator(".verdict-tip").inner_text()
    assert "only with a comment" in failing_row.locator(".approval").inner_text()
    assert "yes, will be approved" in rows["A fine overlay"].locator(".approval").inner_text()
    screenshot(page, "review-bulk-confirm")

    page.get_by_label(re.compile("^Comment")).fill("Known failure; the rebase fixes it.")
    page.get_by_role("button", name="Approve 2 deviations").click()
    page.wait_for_url(re.compile(r"/reviews/"))
    assert "Approved 2 deviations." in page.locator(".messages").inner_text()
    states = dict(Deviation.objects.values_list("pk", "review_state"))
    assert states[own.pk] == ReviewState.NEEDS_REVIEW
    assert states[failing.pk] == states[fine.pk] == ReviewState.APPROVED

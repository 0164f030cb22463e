"""The reviewer's journey in a real browser: log in, open the queue, approve one deviation
(selection + one confirmation), request changes on another with a comment, and find both
decisions in the audit log.  Also: four eyes, as the reviewer sees it.
"""

from __future__ import annotations

import re

import pytest

from deviations.domain import audit, people
from deviations.domain.permissions import REVIEWER
from deviations.models import AuditEvent, Deviation, ReviewState
from tests import factories
from tests.browser.conftest import logged_in_page, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewer(demo):
    return factories.make_user("rita", roles=[REVIEWER])


@pytest.fixture
def rita(browser, live_server, watch, reviewer):
    with logged_in_page(browser, live_server, watch, "rita") as page:
        yield page


def queue_rows(page):
    return page.locator("#results tbody tr")


@pytest.mark.slow
def test_reviewer_approves_one_requests_changes_on_another_and_sees_both_in_the_log(rita):
    page = rita
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    page.wait_for_url("**/reviews/")
    assert page.locator("h1").inner_text() == "Review queue"
    waiting = Deviation.objects.filter(review_state=ReviewState.NEEDS_REVIEW).count()
    assert queue_rows(page).count() == min(waiting, 50)
    screenshot(page, "review-queue")

    # Approve the first one: tick it, confirm once on the next page.
    first = queue_rows(page).nth(0)
    first_title = first.locator("th[scope=row] a").inner_text()
    first_pk = first.locator("input[type=checkbox]").get_attribute("value")
    first.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Approve selected…").click()
    page.wait_for_url(re.compile(r"/reviews/bulk/\?"))
    assert page.locator("h1").inner_text() == "Approve 1 deviation?"
    assert "will be approved" in page.locator("tbody").inner_text()
    page.get_by_role("button", name="Approve 1 deviation").click()
    page.wait_for_url("**/reviews/")
    assert "Approved 1 deviation." in page.locator(".messages").inner_text()
    assert first_title not in page.locator("#results tbody").inner_text()

    # Request changes on another, with a comment, from its review page.
    second = queue_rows(page).nth(0)
    second.locator("th[scope=row] a").click()
    # Opened from the queue, the review page carries its filters (none here).
    page.wait_for_url(re.compile(r"/deviations/\d+/review/\?queue=$"))
    second_pk = re.search(r"/deviations/(\d+)/review/", page.url)[1]
    assert second_pk != first_pk
    page.get_by_role("radio", name="Request changes").check()
    page.get_by_label(re.compile("^Comment")).fill("Say which Fedora bug this works around.")
    page.get_by_role("button", name="Record decision").click()
    # On to the next deviation of the queue; the decision is on the one decided.
    page.wait_for_url(re.compile(r"/deviations/\d+/review/\?queue=$"))
    assert re.search(r"/deviations/(\d+)/review/", page.url)[1] != second_pk
    assert "Recorded: changes requested." in page.locator(".messages").inner_text()
    page.goto(f"/deviations/{second_pk}/")
    assert "Changes requested by rita" in page.locator("#review").inner_text()

    # Both decisions are in the audit log, by the reviewer, from the web.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    log = page.locator("table.audit tbody").inner_text()
    assert "review.approved" in log and "review.changes-requested" in log
    events = {e.action: e for e in AuditEvent.objects.filter(actor__username="rita", origin="web")}
    assert set(events) == {"review.approved", "review.changes-requested"}
    assert events["review.approved"].object_id == first_pk
    assert events["review.changes-requested"].object_id == second_pk
    assert events["review.changes-requested"].after["comment"] == (
        "Say which Fedora bug this works around."
    )
    rows = page.locator("table.audit tbody tr")
    assert rows.filter(has_text="review.changes-requested").filter(has_text="rita").count() == 1
    assert rows.filter(has_text="review.approved").filter(has_text="rita").count() == 1
    assert audit.verify().ok


def test_four_eyes_shows_why_the_author_cannot_approve(rita, reviewer):
    # rita commits under the identity that introduced this deviation in the demo history.
    dev = Deviation.objects.filter(kind="overlay").order_by("pk").first()
    people.link_identity(factories.SETUP, reviewer, email=dev.introduced_commit.author_email)
    page = rita
    page.goto(f"/deviations/{dev.pk}/")
    approve = page.get_by_role("radio", name="Approve")
    assert approve.is_disabled()
    assert "Four eyes: you authored this deviation" in page.locator("#four-eyes").inner_text()
    page.get_by_role("radio", name="Reject").check()
    page.get_by_label(re.compile("^Comment")).fill("Not needed any more.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(r"#review$"))
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.REJECTED

"""A reviewer acknowledges drift on a component in a real browser, with a reason and an
expiry date: the overview's count drops; time passes (the clock frozen by time-machine,
in the live server too) and on the expiry date the drift needs attention again."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from deviations.domain.permissions import REVIEWER
from deviations.models import AuditEvent
from deviations.vocabulary import AuditAction
from tests import factories
from tests.browser.conftest import logged_in_page, screenshot

pytestmark = pytest.mark.browser


def behind_tile(page) -> str:
    return page.locator('[data-severity="drift"] .tile-num').inner_text()


def test_acknowledged_drift_leaves_the_overview_and_returns_on_its_date(
    transactional_db, clock, browser, live_server, watch
):
    factories.make_user("rita", roles=[REVIEWER])
    bash = factories.make_component("bash")
    factories.make_component_sync(bash, factories.make_sync_run(), behind=3)
    with logged_in_page(browser, live_server, watch, "rita") as page:
        page.goto("/")
        assert behind_tile(page) == "1"

        page.goto("/components/bash/")
        panel = page.locator("#ownership")
        panel.get_by_label("What to acknowledge").select_option("drift")
        panel.get_by_label("Why").fill("Stay on this pin until the ICU 78 rebuilds settle")
        panel.get_by_label(re.compile("^Until")).fill("2026-12-10")
        screenshot(page, "acknowledge-drift")
        panel.get_by_role("button", name="Acknowledge").click()
        page.wait_for_url(re.compile(r"/components/bash/#ownership$"))
        assert "Acknowledged (drift on a component) until 2026-12-10." in (
            page.locator(".messages").inner_text()
        )
        assert "Stay on this pin" in page.locator("#ownership .acknowledgements").inner_text()

        page.goto("/")
        assert behind_tile(page) == "0"
        title = page.locator('[data-severity="drift"]').get_attribute("title")
        assert "acknowledged drift is left out (1 now)" in title

        clock.move_to(dt.datetime(2026, 12, 9, 23, 0, tzinfo=dt.UTC))  # the eve: still held
        page.reload()
        assert behind_tile(page) == "0"
        clock.move_to(dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.UTC))  # the expiry date
        page.reload()
        assert behind_tile(page) == "1"
        page.goto("/components/bash/")
        assert page.locator('#ownership li[data-state="expired"]').count() == 1
    event = AuditEvent.objects.get(action=AuditAction.ACKNOWLEDGED)
    assert (event.actor_label, event.origin, event.component_name) == ("rita", "web", "bash")
    assert event.after["expires_on"] == "2026-12-10"

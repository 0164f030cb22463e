"""Watching in a real browser: the Watch button swaps in place with htmx, works as a plain
form without JavaScript, and what you watch is on your page."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def curl(admin):
    factories.make_deviation("curl", description="Disable HTTP/3")
    return "curl"


def test_watch_a_component_in_place_then_unwatch_it_from_mine(page, curl):
    page.goto(f"/components/{curl}/")
    requests_before = page.evaluate("() => performance.getEntriesByType('navigation').length")
    page.get_by_role("button", name="Watch", exact=True).click()
    unwatch = page.get_by_role("button", name="Watching ✓ · Unwatch")
    unwatch.wait_for()
    # Swapped in place: still the same document, no navigation.
    assert page.url.endswith(f"/components/{curl}/")
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == (
        requests_before
    )

    page.get_by_role("link", name="Mine").click()
    page.wait_for_url("**/mine/")
    watches = page.locator("#watches")
    assert "curl" in watches.inner_text()
    watches.get_by_role("button", name="Watching ✓ · Unwatch").click()
    watches.get_by_role("button", name="Watch", exact=True).wait_for()
    # (What the server holds, read through the pages: the live server shares the test's
    # in-memory database, which a query from here could find locked mid-request.)
    page.reload()
    assert "You watch nothing yet" in page.locator("#watches").inner_text()


def test_watch_without_javascript_and_a_filter_of_the_list(new_page, live_server, curl):
    page = new_page(java_script_enabled=False)
    login(page, "admin")
    page.goto(f"/components/{curl}/")
    page.get_by_role("button", name="Watch", exact=True).click()
    page.wait_for_url(f"**/components/{curl}/")
    assert "You watch component curl." in page.locator(".messages").inner_text()
    assert page.get_by_role("button", name="Watching ✓ · Unwatch").is_visible()

    page.goto("/deviations/?q=HTTP")
    page.get_by_label("Name").fill("HTTP things")
    page.get_by_role("button", name="Watch this filter").click()
    page.wait_for_url("**/deviations/?q=HTTP")
    page.goto("/mine/")
    watched = page.locator("#watches").inner_text()
    assert "HTTP things" in watched and "q=HTTP" in watched and "curl" in watched

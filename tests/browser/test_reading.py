"""Reading in a real browser: the diff layout remembered across pages and visits, links that
open the folded card or diff they point at, and a phone's filters behind a button."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

DIFF = """\
--- a/kernel.spec
+++ b/kernel.spec
@@ -1,3 +1,3 @@
 Name: kernel
-Release: 1%{?dist}
+Release: 2%{?dist}
 License: GPL-2.0-only
"""


@pytest.fixture
def kernel(transactional_db):
    """A component with enough deviations that its cards start folded, each with a diff."""
    comp = factories.make_component("kernel")
    devs = [factories.make_deviation(comp, effect=DIFF) for _ in range(8)]
    factories.make_component_sync(comp, factories.make_sync_run(), diff=DIFF)
    return devs


def test_the_diff_layout_is_remembered(page, kernel):
    page.goto(f"/deviations/{kernel[0].pk}/")
    diff = page.locator("#diff table.diff").first
    assert "split" not in (diff.get_attribute("class") or "")
    assert diff.locator("mark").first.inner_text() == "1"
    page.get_by_role("link", name="side by side").click()
    page.wait_for_url(f"**/deviations/{kernel[0].pk}/#diff")
    assert "split" in page.locator("#diff table.diff").first.get_attribute("class")
    # Kept for other pages and later visits, until switched back.
    page.goto("/components/kernel/")
    assert page.locator("#diff table.diff.split").count() >= 1
    page.goto(f"/deviations/{kernel[1].pk}/")
    split = page.locator("#diff table.diff.split")
    assert split.count() == 1
    # Side by side: the old line left, the new right, each with its changed word marked.
    row = split.locator("tr.change").first
    assert row.locator("td.code.del mark").inner_text() == "1"
    assert row.locator("td.code.add mark").inner_text() == "2"
    page.get_by_role("link", name="unified").click()
    page.wait_for_url("**#diff")
    assert page.locator("#diff table.diff.split").count() == 0


def test_links_open_the_folded_card_or_diff_they_point_at(page, kernel):
    target = kernel[5]
    page.goto(f"/components/kernel/#deviation-{target.pk}")
    card = page.locator(f"#deviation-{target.pk} > details.fold")
    assert card.evaluate("el => el.open")
    assert not page.locator(f"#deviation-{kernel[4].pk} > details.fold").evaluate("el => el.open")
    # The card's "its diff" link opens that overlay's folded diff below.
    overlay = page.locator(f"details#diff-{target.pk}")
    assert not overlay.evaluate("el => el.open")
    card.get_by_role("link", name="its diff").click()
    page.wait_for_function(f"() => document.getElementById('diff-{target.pk}').open")
    assert overlay.locator("table.diff").is_visible()


def test_a_phone_keeps_the_filters_behind_a_button(page, new_page, kernel):
    wide_filter = page
    wide_filter.goto("/components/")
    assert not wide_filter.get_by_role("button", name="Filters").is_visible()
    assert wide_filter.get_by_label("Category").is_visible()

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(phone, "admin")
    phone.goto("/components/")
    button = phone.get_by_role("button", name="Filters")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert phone.get_by_label("Name").is_visible()  # the search stays in view
    assert not phone.get_by_label("Category").is_visible()
    # The table keeps each component's review state and sync; the upstream column waits.
    assert phone.locator("thead th", has_text="Sync").is_visible()
    assert not phone.locator("thead th", has_text="Upstream").is_visible()
    # The deviations list keeps each row's state (what needs attention) and verdicts on the
    # screen; the review state's own column waits (needs review, stale approval are states).
    phone.goto("/deviations/")
    assert not phone.locator("thead th", has_text="Review").is_visible()
    for column in ("Needs attention", "Pin / tip"):
        box = phone.locator("thead th", has_text=column).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, column
    phone.goto("/components/")
    button = phone.get_by_role("button", name="Filters")
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    phone.get_by_label("Category").select_option("azl-pruning")
    phone.wait_for_url("**category=azl-pruning*")
    button.click()
    assert not phone.get_by_label("Category").is_visible()

    # Without JavaScript there is no button to press: the filters simply show.
    plain = new_page(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    login(plain, "admin")
    plain.goto("/components/")
    assert not plain.get_by_role("button", name="Filters").is_visible()
    assert plain.get_by_label("Category").is_visible()


def test_page_size_and_jump_keep_the_filters(page, transactional_db):
    for n in range(60):
        factories.make_component(f"pkg-{n:03d}")
    factories.make_component("other")
    page.goto("/components/?q=pkg")
    rows = page.locator("#results tbody th[scope=row] a")
    assert rows.count() == 50
    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**per_page=25*")
    assert rows.count() == 25 and "q=pkg" in page.url
    page.get_by_label("Go to page").fill("3")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url("**page=3*")
    assert rows.all_inner_texts() == [f"pkg-{n:03d}" for n in range(50, 60)]
    assert page.get_by_label("Name").input_value() == "pkg"

"""Every main page in a real browser: clean (no console errors), narrow screens, no JS, keyboard.

With AZLDRIFT_SCREENSHOTS=<folder> (bench/screenshots.py) the walk also saves PNGs.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from deviations.models import ConfigCommit, Deviation, SyncRun
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def main_pages() -> list[tuple[str, str]]:
    deviation = Deviation.objects.filter(component__name="curl", kind="overlay").first()
    commit = ConfigCommit.objects.first()
    run = SyncRun.objects.order_by("-pk").first()
    return [
        ("overview", reverse("overview")),
        ("components", reverse("components")),
        ("component", reverse("component", args=["curl"])),
        ("deviations", reverse("deviations")),
        ("deviation", reverse("deviation", args=[deviation.pk])),
        ("commit", reverse("config_commit", args=[commit.sha])),
        ("sync-runs", reverse("sync_runs")),
        ("sync-run", reverse("sync_run", args=[run.pk])),
        ("audit-log", reverse("audit")),
    ]


@pytest.mark.slow
def test_main_pages_on_a_wide_and_a_narrow_screen(page, new_page, demo):
    for name, url in main_pages():
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        screenshot(page, name)
    narrow = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(narrow, "admin")
    for name, url in main_pages():
        narrow.goto(url)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        overflow = narrow.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} is {overflow}px wider than a 390px screen"
        if name in ("overview", "component"):
            screenshot(narrow, f"{name}-narrow")


def test_everything_works_without_javascript(new_page, demo):
    page = new_page(java_script_enabled=False)
    login(page, "admin")
    page.goto(reverse("components"))
    page.get_by_label("Category").select_option("azl-pruning")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/components/?*category=azl-pruning*")
    names = page.locator("#results tbody th[scope=row] a").all_inner_texts()
    assert set(names) == set(demo.with_category("azl-pruning"))
    page.get_by_role("link", name=names[0], exact=True).click()
    assert page.locator("h1").inner_text() == names[0]
    # Per-overlay diffs are <details>: they open without script.
    page.locator("details.diff-overlay summary").first.click()
    assert page.locator("details.diff-overlay[open]").count() == 1
    page.goto(reverse("audit"))
    page.get_by_label("Component").fill("curl")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/audit/?*component=curl*")
    components = page.locator("#results tbody tr").count()
    assert components > 0


def test_keyboard_skip_link_and_search(page, demo):
    page.goto(reverse("components"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    page.get_by_label("Name").focus()
    page.keyboard.type("nano")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results tbody th a')].map(a => a.textContent)"
        ".join() === 'nano'"
    )

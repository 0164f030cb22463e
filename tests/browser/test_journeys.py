"""The main journeys through the UI, in a real browser."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from deviations.models import SyncRun
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def results_names(page) -> list[str]:
    return page.locator("#results tbody th[scope=row] a").all_inner_texts()


@pytest.mark.slow
def test_find_a_component_by_search(page, demo):
    page.goto("/components/")
    page.get_by_label("Name").fill("cur")
    # htmx swaps the results in place and puts the state in the URL.
    page.wait_for_url(re.compile(r"/components/\?q=cur$"))
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert results_names(page) == ["curl"]
    assert page.locator("h1").inner_text() == "Components"  # same page, not a reload
    page.get_by_role("link", name="curl", exact=True).click()
    page.wait_for_url("**/components/curl/")
    assert page.locator("h1").inner_text() == "curl"
    # Back returns to the filtered list, state from the URL.
    page.go_back()
    page.wait_for_url(re.compile(r"/components/\?q=cur$"))
    assert page.get_by_label("Name").input_value() == "cur"
    assert results_names(page) == ["curl"]


@pytest.mark.slow
def test_filter_to_one_overlay_category(page, demo):
    page.goto("/components/")
    everything = len(results_names(page))
    page.get_by_label("Category").select_option("azl-pruning")
    page.wait_for_url(re.compile(r"category=azl-pruning"))
    page.wait_for_function(
        f"() => document.querySelectorAll('#results tbody tr').length < {everything}"
    )
    names = results_names(page)
    assert names and set(names) <= set(demo.with_category("azl-pruning"))
    assert set(names) == set(demo.with_category("azl-pruning"))
    screenshot(page, "components-filtered")
    # The URL alone reproduces the view (a shared link, a reload).
    page.reload()
    assert page.get_by_label("Category").input_value() == "azl-pruning"
    assert set(results_names(page)) == set(names)


def test_open_a_component_and_read_its_diff(page, demo):
    page.goto("/components/")
    page.get_by_role("link", name=demo.diff_component, exact=True).click()
    page.wait_for_url(f"**/components/{demo.diff_component}/")
    diff = page.locator("#diff table.diff").first
    diff.wait_for()
    assert diff.locator("tr.add").count() > 0
    assert diff.locator("tr.file th").first.inner_text().strip()
    # One overlay's own diff, folded until opened.
    overlay = page.locator("details.diff-overlay").first
    assert not overlay.locator("table.diff").is_visible()
    overlay.locator("summary").click()
    assert overlay.locator("table.diff, p.muted").first.is_visible()
    screenshot(page, "component")


@pytest.mark.slow
def test_follow_a_deviation_to_its_introducing_commit(page, demo):
    page.goto(reverse("component", args=[demo.diff_component]))
    card = page.locator("article.deviation").first
    title = card.locator("h3 a").inner_text()
    card.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/deviations/\d+/$"))
    assert page.locator("h1").inner_text() == title
    deviation_path = page.evaluate("location.pathname")
    screenshot(page, "deviation")
    page.locator("#prov-h + dl a[href^='/commits/']").first.click()
    page.wait_for_url(re.compile(r"/commits/[0-9a-f]{40}/$"))
    introduced = page.locator("section:has(#introduced-h)")
    assert introduced.locator(f"a[href='{deviation_path}']").count() == 1
    screenshot(page, "commit")


@pytest.mark.slow
def test_watch_a_sync_progress_bar_finish(page, demo):
    page.goto("/sync/")
    page.get_by_role("button", name="Start sync").click()
    page.wait_for_url(re.compile(r"/sync/\d+/$"))
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    bar = page.locator("#progress progress")
    # The bar fills as the run goes; the fragment stops polling once the run ended.
    page.wait_for_function(
        "() => document.querySelector('#progress').dataset.status === 'succeeded'", timeout=60_000
    )
    assert bar.get_attribute("value") == bar.get_attribute("max")
    assert page.locator("#progress .badge").inner_text() == "succeeded"
    run = SyncRun.objects.get(pk=run_id)
    assert run.done == run.total > 0
    seen = _requests_to(page, f"/sync/{run_id}/")
    time.sleep(2.5)
    assert _requests_to(page, f"/sync/{run_id}/") == seen, "polling went on after the end"
    screenshot(page, "sync-run")


def _requests_to(page, path: str) -> int:
    return page.evaluate(
        "(path) => performance.getEntriesByType('resource')"
        ".filter(e => new URL(e.name).pathname === path).length",
        path,
    )


@pytest.mark.slow
def test_progress_bar_follows_a_running_sync(page, demo):
    """The bar moves while a run progresses (written here as a sync writes it) and stops."""
    SyncRun.objects.filter(status__in=["queued", "running"]).update(status="abandoned")
    run = SyncRun.objects.create(
        status="running",
        trigger="test",
        created_at=timezone.now(),
        started_at=timezone.now(),
        total=40,
        done=0,
    )
    page.goto(reverse("sync_run", args=[run.pk]))
    bar = page.locator("#progress progress")
    assert bar.get_attribute("value") == "0"
    for done in (10, 25, 40):
        SyncRun.objects.filter(pk=run.pk).update(done=done)
        page.wait_for_function(
            "(done) => document.querySelector('#progress progress').value === done", arg=done
        )
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    page.wait_for_function(
        "() => document.querySelector('#progress').dataset.status === 'succeeded'"
    )
    assert page.locator("#progress").get_attribute("hx-trigger") is None
    seen = _requests_to(page, f"/sync/{run.pk}/")
    time.sleep(2.5)
    assert _requests_to(page, f"/sync/{run.pk}/") == seen

"""Playwright driving Debian's Chromium against pytest-django's live server.

Tests here skip when Chromium is absent, except where AZLDRIFT_REQUIRE_BROWSER=1
(CI sets it): there a missing browser fails.  Every page a test opens is watched:
a console error, an uncaught script error, a failed request or an HTTP error
response fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import factories

CHROMIUM = Path(os.environ.get("AZLDRIFT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("AZLDRIFT_SCREENSHOTS", "")

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("AZLDRIFT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AZLDRIFT_REQUIRE_BROWSER=1 but the browser is missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium for one test module.

    Playwright's sync API keeps an event loop running in this thread while it is open,
    and Django then refuses database access ("You cannot call this from an async
    context"); DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time, so the tests
    outside this folder keep Django's check.
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Watch:
    """Everything that went wrong in a page: console errors, script errors, failed requests."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.requests: list[str] = []

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request) -> None:
        # A navigation or htmx's hx-sync "replace" cancels requests still in flight: the
        # browser reports them as aborted, which says nothing about the server.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def watch() -> Watch:
    return Watch()


def _new_page(browser, live_server, watch: Watch, **context_options):
    context = browser.new_context(base_url=live_server.url, **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch.attach(page)
    return context, page


def login(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def admin(transactional_db):
    """The user the browser logs in as: an admin, so the sync button shows."""
    return factories.make_user("admin", staff=True, superuser=True)


@contextmanager
def logged_in_page(browser, live_server, watch: Watch, username: str) -> Iterator:
    """A page in a fresh browser context, logged in as `username`; when the block ends the
    context closes, and the page must have met no problem."""
    context, page = _new_page(browser, live_server, watch, viewport={"width": 1280, "height": 900})
    login(page, username)
    yield page
    context.close()
    assert watch.problems == [], "\n".join(watch.problems)


@pytest.fixture
def page(browser, live_server, watch, admin):
    """A page logged in as `admin`, in a fresh browser context."""
    with logged_in_page(browser, live_server, watch, "admin") as page:
        yield page


@pytest.fixture
def new_page(browser, live_server, watch, admin):
    """A factory of extra pages (no JavaScript, narrow screens); watched like `page`."""
    contexts = []

    def make(**options):
        context, page = _new_page(browser, live_server, watch, **options)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
    assert watch.problems == [], "\n".join(watch.problems)


def screenshot(page, name: str) -> None:
    """Save a full-page PNG when AZLDRIFT_SCREENSHOTS names a folder (bench/screenshots.py)."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    # The top of a long page says what it is; the cut keeps the README's images small.
    width = page.viewport_size["width"]
    height = min(page.evaluate("() => document.documentElement.scrollHeight"), 2 * width, 1800)
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True, clip=clip)


# --- the synced demo data set --------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_upstream(tmp_path_factory) -> tuple[str, str]:
    """The demo's fake Fedora dist-git repositories and lookaside folder, built once;
    their lookaside template and $pkg URL template."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo-distgit")
    result = subprocess.run(
        [sys.executable, str(ROOT / "demo" / "upstream" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    lookaside, url = result.stdout.strip().splitlines()[-2:]
    return lookaside, url


class Demo:
    """The synced demo data: what the journeys look for."""

    diff_component = "curl"  # overlays, drift and a rendered diff

    @staticmethod
    def with_category(category: str) -> list[str]:
        from deviations.models import Deviation

        return sorted(
            Deviation.objects.filter(category=category, removed=False)
            .values_list("component__name", flat=True)
            .distinct()
        )


@pytest.fixture(scope="session")
def demo_config_repo(tmp_path_factory) -> str:
    """The demo config's git history, built as `bin/run` builds it: deviations have provenance."""
    from deviations.management.commands.demo import config_history

    out = tmp_path_factory.mktemp("demo-config") / "config.git"
    return config_history().build(out)["path"]


@pytest.fixture
def demo(transactional_db, settings, tmp_path, demo_config_repo, demo_upstream) -> Demo:
    """The demo config imported (from git) and synced against its local upstreams."""
    from deviations.domain.importer import import_config
    from deviations.domain.sync.service import SyncRequest, start_sync

    settings.CACHE_DIR = tmp_path / "cache"
    import_config(demo_config_repo, ref="HEAD")
    lookaside, url = demo_upstream
    run = start_sync(SyncRequest(base_uri=url, lookaside_base_uri=lookaside))
    assert run.status == "succeeded", run.message
    return Demo()

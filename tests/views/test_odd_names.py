"""No page answers 500 because of a stored component name.

The import refuses names outside the package-name rule now, but rows recorded before
may hold anything ('a/b', '', '..', control characters, NUL where the database can
store it); such a component must still be listed, linked and opened, and the pages
that mention it (audit log, review queue, deviations, sync runs, overview) must
render.  A URL asking for a NUL is a 404, never a database error.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.utils import timezone

from deviations.models import SyncRunIssue
from tests import factories

ODD = [
    "a/b",
    "/lead",
    "trail/",
    "",
    ".",
    "..",
    "-rf",
    "a b",
    " ",
    "a\x01b",
    "line\nbreak",
    'quo"te',
    "per%cent?q=1#frag",
    "<b>bold</b>",
    "id",
]


def odd_names() -> list[str]:
    # SQLite stores a NUL; PostgreSQL cannot, so no such row can exist there.
    return ODD + (["nul\x00name"] if connection.vendor == "sqlite" else [])


@pytest.fixture
def legacy(db):
    """Components with odd names, each with a deviation, a sync state and audit events."""
    run = factories.make_import_run()
    sync = factories.make_sync_run(total=len(ODD), errors=len(ODD))
    made = {}
    for name in odd_names():
        comp = factories.make_component(name, config_file="legacy.toml")
        dev = factories.make_deviation(comp, run=run)
        factories.make_component_sync(comp, sync, behind=1)
        factories.record_import_events(comp, [dev])
        SyncRunIssue.objects.create(
            run=sync,
            component=comp,
            component_name=name,
            kind="repo-missing",
            message="gone",
            created_at=timezone.now(),
        )
        made[name] = comp
    return made


def links(html: str, pattern: str) -> list[str]:
    return [unescape(href) for href in re.findall(rf'href="({pattern}[^"]*)"', html)]


def test_odd_names_list_link_and_open(client_in, legacy):
    listing = client_in.get("/components/?removed=all")
    assert listing.status_code == 200
    targets = [t for t in links(listing.content.decode(), '/components/[^"]') if "?" not in t]
    opened = {}
    for href in targets:
        page = client_in.get(href)
        assert page.status_code == 200, href
        opened[page.context["c"].name] = href
        raw = links(page.content.decode(), '/components/[^"]*diff.patch')
        diff = client_in.get(raw[0])
        assert diff.status_code == 200 and diff.content.startswith(b"--- a/")
        assert "\n" not in diff["Content-Disposition"]
    assert opened.keys() == legacy.keys()
    for name in ("a/b", "/lead", "trail/", "", ".", ".."):
        assert opened[name] == f"/components/id/{legacy[name].pk}/"
    assert opened["a b"] == "/components/a%20b/"
    assert opened["per%cent?q=1#frag"] == "/components/per%25cent%3Fq=1%23frag/"


def test_names_no_path_can_carry_open_by_id(client_in, legacy):
    for name in ("a/b", "/lead", "", ".", ".."):
        comp = legacy[name]
        response = client_in.get(f"/components/id/{comp.pk}/")
        assert response.status_code == 200 and response.context["c"] == comp
    # A name a path carries redirects to its page by name.
    response = client_in.get(f"/components/id/{legacy['a b'].pk}/")
    assert response.status_code == 302 and response["Location"] == "/components/a%20b/"


@pytest.mark.parametrize(
    "url",
    [
        "/audit/",
        "/deviations/",
        "/reviews/",
        "/sync/",
        "/",
    ],
)
def test_pages_that_mention_odd_names_render(client_in, legacy, url):
    response = client_in.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<b>bold</b>" not in html  # escaped, as every name is


def test_the_audit_log_links_each_component_event(client_in, legacy):
    response = client_in.get("/audit/?object_type=component")
    assert response.status_code == 200
    opened = set()
    for href in links(response.content.decode(), '/components/[^"?]'):
        page = client_in.get(href)
        assert page.status_code == 200, href
        opened.add(page.context["c"].name)
    assert opened == legacy.keys()


def test_a_sync_run_page_links_its_odd_issues(client_in, legacy):
    run = next(iter(legacy.values())).sync.run
    html = client_in.get(f"/sync/{run.pk}/").content.decode()
    for comp in legacy.values():
        if comp.name in ("a/b", ""):
            assert f'href="/components/id/{comp.pk}/"' in html


@pytest.mark.parametrize("url", ["/components/a%00b/", "/components/a%00b/diff.patch"])
def test_a_nul_in_a_component_url_is_a_404(client_in, db, url):
    """PostgreSQL refuses a NUL in a query: a DataError (500) before the converter."""
    assert client_in.get(url).status_code == 404


def test_a_nul_in_an_api_component_url_is_a_404(client_in, db):
    assert client_in.get("/api/components/a%00b/").status_code == 404
    assert client_in.get("/api/drift/a%00b/").status_code == 404

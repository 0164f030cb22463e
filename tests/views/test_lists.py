"""List pages for reading a run: a sync run's problems by kind, the audit log's runs as one
row each, config commits and import runs linked to the forge's commit page."""

import re

import pytest
from django.utils import timezone

from deviations.models import SyncRunIssue
from deviations.web.templatetags.azl_links import repository_commit_url
from tests import factories


def issue(run, kind, name):
    comp = factories.component_named(name)
    return SyncRunIssue.objects.create(
        run=run,
        component=comp,
        component_name=name,
        kind=kind,
        message=f"{kind} in {name}",
        created_at=timezone.now(),
    )


def test_a_sync_run_says_how_many_problems_of_each_kind(client_in, db):
    run = factories.make_sync_run(total=5, errors=4)
    for name in ("a", "b", "c"):
        issue(run, "overlay-failed", name)
    issue(run, "render-timeout", "d")
    html = client_in.get(f"/sync/{run.pk}/").content.decode()
    assert re.search(r"Finished with\s+<strong>4 problems</strong>,\s+by kind", html)
    failed = html.index("overlay failed: 3")
    assert failed < html.index("render timeout: 1")  # most first
    # Each kind narrows the list to its problems.
    html = client_in.get(f"/sync/{run.pk}/?kind=render-timeout").content.decode()
    assert "render-timeout in d" in html and "overlay-failed in a" not in html


def test_a_clean_run_says_so(client_in, db):
    run = factories.make_sync_run(total=5)
    assert "Finished with no problems." in client_in.get(f"/sync/{run.pk}/").content.decode()


def test_the_audit_log_groups_a_runs_events_on_request(client_in, db):
    comp = factories.make_component("zlib")
    devs = [factories.make_deviation(comp, run=factories.make_import_run()) for _ in range(3)]
    factories.record_import_events(comp, devs, "import #7")
    factories.record_import_events(comp, devs[:1], "sync #3", deviations_only=True)
    plain = client_in.get("/audit/").content.decode()
    assert "run-events" not in plain and "group=runs" in plain
    grouped = client_in.get("/audit/?group=runs").content.decode()
    # import #7's four events (the component and three deviations) under one row that opens;
    # sync #3's single event stays a row of its own.
    assert grouped.count('<tr class="run-events">') == 1
    summary = grouped[grouped.index('<tr class="run-events">') :]
    summary = summary[: summary.index("</summary>")]
    assert "<strong>import #7</strong>" in summary and "4 events here" in summary
    assert "deviation.created \u00d73, component.created \u00d71" in summary
    assert "?actor=import%20%237" in summary
    assert len(re.findall(r'aria-label="event \d+: details"', grouped)) == len(
        re.findall(r'aria-label="event \d+: details"', plain)
    )


@pytest.mark.parametrize(
    ("source", "url"),
    [
        (
            "https://github.com/microsoft/azurelinux.git",
            "https://github.com/microsoft/azurelinux/commit/abc",
        ),
        ("https://user:secret@github.com/o/r", "https://github.com/o/r/commit/abc"),
        ("https://gitlab.example/g/r.git/", "https://gitlab.example/g/r/-/commit/abc"),
        ("/srv/config", ""),
        ("git@github.com:o/r.git", ""),
        ("javascript:alert(1)//github.com/x", ""),
        ("https://[::1", ""),
    ],
)
def test_the_forge_page_of_a_config_commit(source, url):
    assert repository_commit_url(source, "abc") == url


def test_commit_and_import_lists_link_the_forge(client_in, db):
    commit = factories.make_commit("fix: the thing", when=timezone.now())
    commit.position, commit.body = 1, "Why: see https://example.org/x"
    commit.save()
    factories.make_import_run("https://github.com/microsoft/azurelinux.git", commit)
    forge = f'href="https://github.com/microsoft/azurelinux/commit/{commit.sha}"'
    commits = client_in.get("/commits/").content.decode()
    assert forge in commits and "Why: see" in commits
    assert forge in client_in.get("/imports/").content.decode()


def test_a_config_commit_page_shows_its_message_and_forge_link(client_in, db):
    commit = factories.make_commit("fix: the thing")
    commit.body = "Why: see https://example.org/x <b>"
    commit.save()
    page = client_in.get(f"/commits/{commit.sha}/").content.decode()
    assert "Why: see" in page and "On the forge" not in page
    assert '<a href="https://example.org/x" rel="nofollow noopener">' in page
    assert "&lt;b&gt;" in page
    factories.make_import_run("https://github.com/microsoft/azurelinux.git", commit)
    page = client_in.get(f"/commits/{commit.sha}/").content.decode()
    assert f'href="https://github.com/microsoft/azurelinux/commit/{commit.sha}"' in page

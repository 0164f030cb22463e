"""The record through time on a small history: what the replay records, as_of, changes,
review states then, the exports with today's columns, the pages, the back-fill."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse

from deviations.domain import audit, reviews
from deviations.domain.importer import database_summary, import_config
from deviations.models import ConfigCommit, Deviation, DeviationSpan
from deviations.reads import exports, history
from deviations.reads.exports import changes as changes_export
from deviations.reads.exports import past
from deviations.vocabulary import Decision, HistoryChange, Origin, ReviewState
from tests.factories import MINIMAL_CONFIG, ConfigRepo

pytestmark = pytest.mark.django_db

OVERLAY = '[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "v"\n'


@pytest.fixture
def repo(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    repo = ConfigRepo(tmp_path / "config")
    c1 = repo.commit(
        {
            **MINIMAL_CONFIG,
            "comps/x/x.comp.toml": f'[components.x]\n{OVERLAY}description = "first"\n',
            "comps/y/y.comp.toml": "[components.y]\n",
        },
        "feat: x adds a tag\n\nWhy: the body of the message.",
        who="Ada",
    )
    c2 = repo.commit(
        {
            "comps/x/x.comp.toml": f'[components.x]\n{OVERLAY}description = "second"\n',
            "comps/y/y.comp.toml": "[components.y]\nbuild = { check = { skip = true, "
            'skip_reason = "flaky" } }\n',
        },
        "fix: x says why; y skips its checks",
        who="Bo",
    )
    c3 = repo.commit(
        {
            "comps/x/x.comp.toml": "[components.x]\n",
            "comps/z/z.comp.toml": '[components.z]\nbuild = { without = ["docs"] }\n',
        },
        "chore: x is plain again; z without docs",
        who="Cy",
    )
    return repo, [c1, c2, c3]


def fresh_summary(path, sha) -> dict:
    """What a fresh import of one commit into an empty database holds (rolled back)."""

    class Undo(Exception):
        pass

    found: dict = {}
    try:
        with transaction.atomic():
            import_config(path, ref=sha)
            found.update(database_summary())
            raise Undo
    except Undo:
        pass
    return found


def spans() -> set[tuple]:
    return set(
        DeviationSpan.objects.values_list("component_name", "key", "fingerprint", "start", "end")
    )


def test_as_of_each_commit_equals_a_fresh_import_of_it(repo):
    path, commits = repo[0].path, repo[1]
    expected = [fresh_summary(path, sha) for sha in commits]
    import_config(path, ref="main")
    rows = ConfigCommit.objects.filter(position__isnull=False).order_by("position")
    assert [c.sha for c in rows] == commits
    assert rows[0].body == "Why: the body of the message."
    assert "comps/x/x.comp.toml" in rows[0].paths.splitlines()
    for sha, summary in zip(commits, expected, strict=True):
        point = history.resolve(sha[:9])
        devs, _ = history.deviations_at(point)
        kinds: dict[str, int] = {}
        for row in devs:
            kinds[row.span.kind] = kinds.get(row.span.kind, 0) + 1
        assert kinds == summary["deviations_by_kind"], sha
        comps, _ = history.components_at(point)
        assert len(comps) == summary["components"]
        assert sum(1 for c in comps if c.deviations) == summary["customized_components"]
        tally = ConfigCommit.objects.get(sha=sha).tally
        assert tally["by_kind"] == summary["deviations_by_kind"]
        assert tally["customized"] == summary["customized_components"]


def test_changes_between_two_commits(repo):
    path, (c1, c2, c3) = repo[0].path, repo[1]
    import_config(path, ref="main")
    found = history.changes(history.resolve(c1), history.resolve(c3))
    by = {(c.component, c.change): c for c in found.deviations}
    assert set(by) == {
        ("x", HistoryChange.REMOVED),
        ("y", HistoryChange.ADDED),
        ("z", HistoryChange.ADDED),
    }
    history.responsible(found, found.deviations)
    assert [c.author for c in by[("y", HistoryChange.ADDED)].commits] == ["Bo"]
    # Bo changed it, Cy removed it: both made it happen in between.
    assert [c.author for c in by[("x", HistoryChange.REMOVED)].commits] == ["Bo", "Cy"]
    became = {(c.name, c.customized) for c in found.components}
    assert became == {("x", False), ("y", True), ("z", True)}
    # One step: the overlay's description changed (field level), y came in.
    step = history.changes(history.resolve(c1), history.resolve(c2))
    (changed,) = [c for c in step.deviations if c.change == HistoryChange.CHANGED]
    assert changed.fields == [("description", "first", "second")]
    # Either order: the later point is the end.
    assert history.changes(history.resolve(c3), history.resolve(c1)).counts == found.counts
    # The CSV: one row per deviation, component and decision.
    out = io.BytesIO()
    rows = changes_export.write(
        audit.Actor.job("test", Origin.COMMAND), {"from": c1, "to": c3}, out
    )
    assert rows == len(found.deviations) + len(found.components)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    removed = next(r for r in parsed if r["change"] == "removed")
    assert removed["component"] == "x" and removed["commits"].split() == [c2, c3]


def test_review_states_then_come_from_the_review_history(repo, reviewer):
    path, (c1, c2, c3) = repo[0].path, repo[1]
    import_config(path, ref="main")
    skip = Deviation.objects.get(component__name="y", key="check-skip")
    reviews.decide(
        audit.Actor.for_user(reviewer, Origin.WEB),
        skip,
        Decision.APPROVED,
        seen=reviews.seen_now(skip),
    )
    before = history.resolve("2026-01-05")  # after the last commit, before the decision
    assert before.commit.sha == c3
    (row,) = [r for r in history.deviations_at(before)[0] if r.component == "y"]
    assert row.review.state == ReviewState.NEEDS_REVIEW
    now = history.resolve(c3)  # the newest commit: the record as it stands now
    (row,) = [r for r in history.deviations_at(now)[0] if r.component == "y"]
    assert row.review.state == ReviewState.APPROVED and row.review.review is not None
    assert history.resolve("2026-01-02").commit.sha == c2  # a date: the end of that day
    assert history.resolve("2026-01-02T11:00:00Z").commit.sha == c1


def test_as_of_export_has_todays_columns_and_rows(repo):
    path, commits = repo[0].path, repo[1]
    import_config(path, ref="main")
    actor = audit.Actor.job("test", Origin.COMMAND)
    today, then = io.BytesIO(), io.BytesIO()
    exports.write(actor, "deviations", {}, today)
    exports.write(actor, "deviations", {"as_of": commits[-1]}, then)
    now_rows = list(csv.reader(io.StringIO(today.getvalue().decode())))
    then_rows = list(csv.reader(io.StringIO(then.getvalue().decode())))
    assert then_rows[0] == now_rows[0] == list(exports.DEVIATION_COLUMNS)
    for now_row, then_row in zip(now_rows, then_rows, strict=True):
        differ = [c for c, a, b in zip(now_rows[0], now_row, then_row, strict=True) if a != b]
        # The same cells but those that describe only the latest state (empty in the past).
        assert set(differ) <= set(past.LATEST_ONLY), (now_row, then_row)
    with pytest.raises(exports.ExportError, match="verdict_at_pin"):
        exports.select("deviations", {"as_of": commits[0], "verdict_at_pin": "failed"})
    with pytest.raises(exports.ExportError, match="before the config's first commit"):
        exports.select("deviations", {"as_of": "2020-01-01"})


def test_a_resumed_replay_records_what_a_full_one_does(repo, settings, tmp_path):
    path, commits = repo[0].path, repo[1]
    import_config(path, ref=commits[1])
    import_config(path, ref="main")  # resumes from the checkpoint at commits[1]
    resumed = spans()
    DeviationSpan.objects.all().delete()
    ConfigCommit.objects.update(position=None, tally={})
    settings.CACHE_DIR = tmp_path / "other-cache"
    assert import_config(path, ref="main").run is None  # a no-op import ...
    assert spans() == resumed  # ... that back-fills the timeline the records lacked


def test_a_folder_import_has_no_past(tmp_path):
    from tests.factories import write_config_tree

    import_config(write_config_tree(tmp_path / "tree", {}))
    with pytest.raises(history.AsOfError, match="imported from a folder"):
        history.resolve("2026-01-01")


def test_pages_in_the_past_say_so_and_decide_nothing(repo, client, reviewer):
    path, (c1, _, c3) = repo[0].path, repo[1]
    import_config(path, ref="main")
    client.force_login(reviewer)
    y = Deviation.objects.get(component__name="y")
    for url in (
        f"{reverse('deviations')}?as_of={c1}",
        f"{reverse('components')}?as_of={c1}",
        f"{reverse('deviation', args=[y.pk])}?as_of={c1}",
        f"{reverse('component', args=['x'])}?as_of={c1}",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "In the past:" in text and "Nothing here can be decided" in text, url
        assert text.count("csrfmiddlewaretoken") == 1, url  # the log-out form, no other
    bad = client.get(f"{reverse('deviations')}?as_of=nonsense")
    assert bad.status_code == 400 and b"Cannot show the past" in bad.content
    for name in ("changes", "trends", "config_commits", "import_runs"):
        assert client.get(reverse(name)).status_code == 200, name
    listed = client.get(f"{reverse('config_commits')}?author=Bo").content.decode()
    assert "y skips its checks" in listed and "x adds a tag" not in listed
    changes_page = client.get(f"{reverse('changes')}?from={c1}&to={c3}").content.decode()
    assert "became customized" in changes_page
    csv_page = client.get(reverse("trends_csv", args=["kinds"]))
    assert csv_page.status_code == 200 and csv_page.content.startswith(b"at,point,")


@pytest.fixture
def keep_the_test_connection():
    """As tests/api/test_schema.py: requests through the raw WSGI handler would close
    the test's database connection at the end of each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_changes_api_conforms_to_the_schema(repo, viewer, keep_the_test_connection):
    from rest_framework.authtoken.models import Token

    from tests.api.test_schema import CHECKS, schema

    path, (c1, _, c3) = repo[0].path, repo[1]
    import_config(path, ref="main")
    headers = {"Authorization": f"Token {Token.objects.create(user=viewer).key}"}
    case = schema["/api/changes/"]["GET"].Case(query={"from": c1, "to": c3[:8]})
    response = case.call(headers=headers)
    assert response.status_code == 200, response.text[:300]
    case.validate_response(response, checks=CHECKS)
    body = response.json()
    assert body["counts"]["added"] == 2 and body["counts"]["removed"] == 1
    removed = next(d for d in body["deviations"] if d["change"] == "removed")
    assert [c["author"] for c in removed["commits"]] == ["Bo", "Cy"]
    bad = schema["/api/changes/"]["GET"].Case(query={"from": "nonsense", "to": c3})
    answer = bad.call(headers=headers)
    assert answer.status_code == 400 and "from" in answer.json()


def test_the_overviews_two_trends_read_narrow_and_equal_the_full_ones(repo):
    """The overview reads only the four counts its two charts need from each commit's
    tally; what it draws is what the trends page draws."""
    from deviations.reads import trends

    import_config(repo[0].path, ref="main")
    full = {c.name: c for c in trends.config_charts()}
    narrow = trends.config_charts(("customized", "documented"))
    assert [c.name for c in narrow] == ["customized", "documented"]
    for chart in narrow:
        assert chart.points == full[chart.name].points and chart.series == full[chart.name].series
    # z's build option (no description, comment or reason) is undocumented at the last commit.
    assert [p.values["documented"] for p in narrow[1].points][-1] < 100

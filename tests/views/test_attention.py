"""What needs attention: the severity filters (the rule's SQL, held equal to the rule), a
component's status, documentation coverage, the overview's board and what it costs."""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from deviations.core.severity import severities, worst
from deviations.models import ComponentSync, Deviation
from deviations.reads import attention, queries, severity
from deviations.reads.filters import ComponentFilter, DeviationFilter
from deviations.vocabulary import ReviewState, Severity, Verdict
from deviations.vocabulary.severity import DEVIATION_SEVERITIES
from tests import factories

pytestmark = pytest.mark.django_db

VERDICTS = ("", *Verdict)
COMBINATIONS = list(
    itertools.product(VERDICTS, VERDICTS, ReviewState, (False, True), (False, True))
)


def every_combination() -> dict[int, tuple[Severity, ...]]:
    """One deviation per combination of the columns the rule reads: id -> its severities."""
    comp = factories.make_component("every")
    now = timezone.now()
    made = Deviation.objects.bulk_create(
        Deviation(
            component=comp,
            key=f"overlay-{n}",
            kind="overlay",
            position=n,
            fingerprint="f",
            verdict_at_pin=pin,
            verdict_at_tip=tip,
            review_state=state,
            obsolete=obsolete,
            documented=documented,
            updated_at=now,
        )
        for n, (pin, tip, state, obsolete, documented) in enumerate(COMBINATIONS)
    )
    return {
        d.pk: severities(
            verdict_at_pin=pin,
            verdict_at_tip=tip,
            review_state=state,
            obsolete=obsolete,
            documented=documented,
        )
        for d, (pin, tip, state, obsolete, documented) in zip(made, COMBINATIONS, strict=True)
    }


def ids(qs: QuerySet) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_the_filters_sql_is_the_rule_over_every_combination():
    judged = every_combination()
    assert len(judged) == 4 * 4 * 5 * 2 * 2
    for s in (*DEVIATION_SEVERITIES, Severity.OK):
        expected = {pk for pk, found in judged.items() if s in found}
        assert ids(Deviation.objects.filter(severity.deviation_q(s))) == expected, s
        # ... and the list's filter (the page's, the API's and the CSV's) is that condition.
        filtered = DeviationFilter({"severity": s}, queryset=Deviation.objects.all()).qs
        assert ids(filtered) == expected, s
    # The rank that orders "most urgent first" is the rule's worst.
    ranked = dict(Deviation.objects.annotate(r=severity.rank()).values_list("pk", "r"))
    assert ranked == {pk: worst(found).rank for pk, found in judged.items()}


def test_the_rows_a_page_loads_are_judged_by_the_rule_without_queries(django_assert_num_queries):
    judged = every_combination()
    rows = list(Deviation.objects.all())
    with django_assert_num_queries(0):
        severity.mark(rows)
    assert {d.pk: d.severities for d in rows} == judged
    assert all(d.severity == d.severities[0] for d in rows)


def test_documented_filter_on_deviations():
    w = factories.make_world()
    undocumented = {w.deviations["jq"][0].pk}  # the pin, with no description, comment ...
    qs = Deviation.objects.filter(removed=False)
    assert ids(DeviationFilter({"documented": "no"}, queryset=qs).qs) == undocumented
    assert ids(DeviationFilter({"documented": "yes"}, queryset=qs).qs) == ids(qs) - undocumented


@pytest.fixture
def world(db):
    w = factories.make_world(extra_components=3)
    # kernel: synced, no sync error, but its overlays did not render at the pin.
    kernel = factories.make_component("kernel")
    factories.make_deviation(
        kernel, verdict_at_pin="failed", verdict_at_tip="failed", description=""
    )
    sync = factories.make_component_sync(kernel, w.sync)
    ComponentSync.objects.filter(pk=sync.pk).update(render_ok=False, failing_at_pin=1)
    w.components["kernel"] = kernel
    return w


def component_names(query: dict) -> set[str]:
    qs = ComponentFilter(query, queryset=queries.component_rows()).qs
    return set(qs.values_list("name", flat=True))


def test_sync_error_matches_render_failures_too(world):
    # It missed the 74 components whose render failed.
    assert component_names({"sync_error": "yes"}) == {"jq", "kernel"}
    assert "kernel" not in component_names({"sync_error": "no"})
    assert component_names({"severity": "sync-problem"}) == {"jq", "kernel"}


def test_component_severity_filters(world):
    assert component_names({"severity": "broken-now"}) == {"kernel"}
    assert component_names({"severity": "breaks-on-rebase"}) == {"curl", "pkg-0000"}
    assert component_names({"severity": "obsolete-candidate"}) == {"nano"}
    assert component_names({"documented": "no"}) == {"jq", "kernel"}
    assert "zlib" not in component_names({"documented": "yes"})  # nothing to document
    assert "curl" in component_names({"documented": "yes"})
    # OK: no sync problem and every deviation ok; zlib (no deviations) is.
    assert "zlib" in component_names({"severity": "ok"})
    assert not component_names({"severity": "ok"}) & {"jq", "kernel", "curl", "nano"}


def test_the_components_list_shows_each_status(client_in, world):
    html = client_in.get(reverse("components")).content.decode()
    status = dict(
        re.findall(
            r'<th scope="row"><a href="/components/([^/]+)/">.*?</th>\s*'
            r'<td class="small">\s*<span class="badge severity-([a-z-]+)"',
            html,
            re.S,
        )
    )
    assert status["kernel"] == "sync-problem"  # its render failed: not "ok"
    assert status["jq"] == "sync-problem"
    assert status["curl"] == "breaks-on-rebase"
    assert status["zlib"] == "ok"


def test_the_component_page_shows_its_status_and_coverage(client_in, world):
    html = client_in.get(reverse("component", args=["kernel"])).content.decode()
    assert 'class="badge severity-sync-problem"' in html
    assert "0 of\n      1 documented" in html
    assert "render failed" in html
    # Its undocumented overlay is named by what it does, its key beside it.
    assert "spec-add-tag Provides: overlay-0" in html


def test_an_undocumented_overlay_is_listed_by_its_label_and_key(client_in, world):
    html = client_in.get(reverse("deviations") + "?component=kernel").content.decode()
    assert ">spec-add-tag Provides: overlay-0</a>" in html
    assert '<span class="muted mono small">overlay-0</span>' in html
    assert 'class="badge severity-broken-now"' in html
    assert 'class="badge severity-undocumented"' in html


def test_each_board_tile_counts_what_its_link_lists(client_in, world):
    tiles = attention.board()
    by_key = {t.key: t for t in tiles}
    assert list(by_key)[:3] == ["sync-problem", "broken-now", "breaks-on-rebase"]
    assert by_key["sync-problem"].count == 2  # jq (pin missing), kernel (render failed)
    assert by_key["broken-now"].count == 1
    assert by_key["breaks-on-rebase"].count == 3  # curl's Recommends, both of pkg-0000's
    assert by_key["breaks-on-rebase"].components == 2
    for tile in tiles:
        url = urlsplit(tile.url)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == reverse("components"):
            listed = ComponentFilter(query, queryset=queries.component_rows()).qs.count()
        else:
            listed = DeviationFilter(query, queryset=queries.deviation_rows()).qs.count()
        assert listed == tile.count, tile.key
        assert client_in.get(tile.url).status_code == 200


def test_the_board_counts_within_a_given_scope():
    w = factories.make_world()
    scope = Deviation.objects.filter(removed=False).exclude(component__name="curl")
    tiles = {t.key: t for t in attention.board(scope, {"acknowledged": "no"})}
    assert tiles["breaks-on-rebase"].count == 0  # curl's was the only one
    assert "acknowledged=no" in tiles["breaks-on-rebase"].url
    assert w  # the world's other counts stay


def test_coverage_overall_and_per_kind(world):
    found = attention.coverage()
    undocumented = Deviation.objects.filter(removed=False, documented=False).count()
    assert found.undocumented == undocumented == 2  # jq's pin, kernel's overlay
    assert found.total == Deviation.objects.filter(removed=False).count()
    by_kind = {kind: (d, t, u) for kind, _, d, t, u in found.by_kind}
    assert by_kind["upstream-pin"] == (0, 1, 1)
    assert sum(t for _, t, _ in by_kind.values()) == found.total
    assert attention.Coverage(0, 0).share == 100.0


def test_the_overview_leads_with_the_board(client_in, world):
    html = client_in.get(reverse("overview")).content.decode()
    assert html.index('id="attention-h"') < html.index('aria-label="Totals"')
    assert f'href="{reverse("deviations")}?severity=broken-now"' in html
    assert f'href="{reverse("components")}?severity=sync-problem"' in html
    assert f'href="{reverse("deviations")}?documented=no"' in html
    assert f'href="{reverse("deviations")}?kind=upstream-pin&amp;documented=no"' in html


# --- what the lists cost --------------------------------------------------------------

LIST_QUERIES = {
    # session, user, count, page, deviations prefetch (+ spare), as test_components.py
    "components": 8,
    # ...and the deviation list's one more: whether you watch its filter (the Watch button)
    "deviations": 7,
}


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("components", "severity=broken-now"),
        ("components", "severity=ok"),
        ("components", "sync_error=yes"),
        ("components", "documented=no"),
        ("deviations", "severity=needs-review"),
        ("deviations", "documented=no&sort=severity"),
    ],
)
def test_filtered_lists_cost_a_fixed_number_of_queries(client_in, count_queries, page, query):
    w = factories.make_world()
    url = f"{reverse(page)}?{query}"
    small = count_queries(lambda: client_in.get(url))
    factories.add_synced_components(w, 20)
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= LIST_QUERIES[page]


def test_the_overviews_drift_counts_are_what_the_component_filters_select(world):
    """The drift counts are counted in Python from one grouped read: each equals the
    component list its chart or tile links to."""
    totals = queries._record_totals()
    for key, _, n in totals["behind_buckets"]:
        assert n == len(component_names({"behind": key})), key
    assert totals["drift"]["behind"] == len(component_names({"behind": "any"}))
    assert totals["drift"]["sync_problems"] == len(component_names({"sync_error": "yes"})) == 2
    assert totals["drift"]["errors"] == 1  # jq's sync error; kernel only failed to render
    synced = ComponentSync.objects.exclude(component__removed=True)
    assert totals["drift"]["synced"] == synced.count()
    assert totals["drift"]["total_behind"] == sum(s.commits_behind or 0 for s in synced)

"""Reads: the list pages' filters and order, paging, details, bounded query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from deviations.domain import audit, notes, reviews
from deviations.domain.permissions import REVIEWER
from deviations.models import AuditEvent
from deviations.reads.filters import ComponentFilter, DeviationFilter
from tests import factories


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def page_ids(client: Client, url: str) -> list[int]:
    html = client.get(url).content.decode()
    return [int(pk) for pk in re.findall(r'<th scope="row"><a href="/deviations/(\d+)/', html)]


QUERIES = [
    "",
    "kind=overlay",
    "category=azl-pruning",
    "verdict_at_tip=failed&sort=-updated",
    "author=ada&sort=kind",
    "q=pkg-00&obsolete=no",
    "component=curl&removed=all",
    "severity=needs-review&sort=severity",
    "severity=breaks-on-rebase",
    "documented=no",
]


@pytest.mark.parametrize("query", QUERIES)
def test_deviation_list_equals_the_ui_list_and_the_csv(world, viewer, as_viewer, query):
    browser = Client()
    browser.force_login(viewer)
    api = ids(as_viewer.get(f"/api/deviations/?{query}"))
    assert api == page_ids(browser, f"/deviations/?{query}")
    data = b"".join(browser.get(f"/exports/deviations.csv?{query}").streaming_content).decode()
    assert api == [int(row[1]) for row in list(csv.reader(io.StringIO(data, newline="")))[1:]]
    params = dict(p.split("=") for p in query.split("&") if p)
    assert api == [d.pk for d in DeviationFilter(params).qs][:50]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "behind=any",
        "rebase_risk=fail&sort=-behind",
        "q=pk",
        "severity=sync-problem",
        "severity=breaks-on-rebase",
        "documented=no",
    ],
)
def test_component_list_uses_the_component_filters(world, as_viewer, query):
    response = as_viewer.get(f"/api/components/?{query}")
    names = [c["name"] for c in response.json()["results"]]
    params = dict(p.split("=") for p in query.split("&") if p)
    assert names == [c.name for c in ComponentFilter(params).qs]


def test_component_detail(world, as_viewer):
    data = as_viewer.get("/api/components/curl/").json()
    assert data["name"] == "curl"
    assert data["deviations_by_kind"] == {"build-option": 1, "overlay": 2}
    assert data["review_states"] == {"needs-review": 3}
    assert data["sync"]["commits_behind"] == 3
    assert as_viewer.get("/api/components/nope/").status_code == 404
    assert as_viewer.get("/api/components/a%00b/").status_code == 404


def test_drift(world, as_viewer):
    listed = as_viewer.get("/api/drift/?behind=any").json()["results"]
    assert {d["component"] for d in listed} == {
        name for name, c in world.components.items() if (c.sync.commits_behind or 0) >= 1
    }
    curl = as_viewer.get("/api/drift/curl/").json()
    assert curl["commits_behind"] == 3 and curl["commits_shown"] == 3
    assert [c["position"] for c in curl["commits"]] == [1, 2, 3]
    assert curl["version_at_tip"] == "1.2.4"


def test_deviation_detail_has_verdicts_diffs_and_history(world, as_viewer):
    dev = world.deviations["curl"][0]
    data = as_viewer.get(f"/api/deviations/{dev.pk}/").json()
    assert (data["verdict_at_pin"], data["verdict_at_tip"]) == ("applied", "failed")
    results = {r["target"]: r for r in data["results"]}
    assert results["tip"]["message"] == "tag 'Recommends' not found"
    assert "+Provides: overlay-" in results["pin"]["diff"]
    assert data["version"]["content"]["tag"] == "Recommends"
    assert data["version"]["metadata"]["category"] == "azl-pruning"
    assert data["introduced_commit"]["sha"] == world.commit.sha
    assert data["changed_commit"]["sha"] == world.later_commit.sha
    assert [v["number"] for v in data["versions"]] == [1]
    assert data["reviews"] == [] and data["notes"] == []
    assert as_viewer.get("/api/deviations/999999/").status_code == 404
    assert as_viewer.get(f"/api/deviations/{2**70}/").status_code == 404


def test_paging(world, as_viewer):
    first = as_viewer.get("/api/deviations/?page_size=5").json()
    assert first["count"] == sum(len(d) for d in world.deviations.values())
    assert len(first["results"]) == 5 and first["next"]
    second = as_viewer.get(first["next"]).json()
    assert not {d["id"] for d in first["results"]} & {d["id"] for d in second["results"]}
    assert as_viewer.get("/api/deviations/?page=999").status_code == 404


def test_invalid_filters_are_400_with_field_errors(world, as_viewer):
    response = as_viewer.get("/api/deviations/?kind=bogus&sort=sideways")
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "sort"}
    assert as_viewer.get("/api/audit-events/?since=yesterday").status_code == 400
    assert as_viewer.get("/api/reviews/?deviation=abc").status_code == 400


def test_audit_events_with_their_hashes(world, as_viewer):
    events = as_viewer.get("/api/audit-events/?component=curl").json()["results"]
    stored = {e.seq: e.hash for e in AuditEvent.objects.filter(component_name="curl")}
    assert {e["seq"]: e["hash"] for e in events} == stored
    assert [e["seq"] for e in events] == sorted(stored, reverse=True)
    one = as_viewer.get(f"/api/audit-events/{events[0]['seq']}/").json()
    assert one["hash"] == events[0]["hash"]


def test_sync_runs(world, as_viewer):
    runs = as_viewer.get("/api/sync-runs/").json()["results"]
    assert [r["id"] for r in runs] == [world.sync.pk]
    detail = as_viewer.get(f"/api/sync-runs/{world.sync.pk}/").json()
    assert detail["issues"][0]["component_name"] == "jq"
    assert as_viewer.get("/api/sync-runs/?status=running").json()["count"] == 0


# + what holds acknowledged today on components and deviations (one prefetch each)
LISTS = {
    "/api/components/": 7,
    "/api/drift/": 5,
    "/api/deviations/": 7,  # + upstream links and open suggestions (one prefetch each)
    "/api/reviews/": 5,
    "/api/sync-runs/": 5,
    "/api/audit-events/": 5,
    "/api/acknowledgements/": 5,
}


@pytest.mark.parametrize("url", sorted(LISTS))
def test_list_query_counts_do_not_grow_with_rows(world, viewer, url, django_assert_max_num_queries):
    client = factories.api_client_for(viewer)
    client.get(url)  # warm caches unrelated to rows (content types, ...)
    with django_assert_max_num_queries(LISTS[url]):
        assert client.get(url).status_code == 200
    factories.add_synced_components(world, 20)
    with django_assert_max_num_queries(LISTS[url]):
        assert client.get(url).status_code == 200


DETAILS = {
    "/api/components/curl/": 5,
    "/api/drift/curl/": 4,
    # With its earlier runs in the config, its upstream links and open suggestions, and
    # what holds acknowledged on it today.
    "/api/deviations/{dev}/": 12,
    "/api/deviations/{dev}/notes/": 5,
    "/api/sync-runs/{run}/": 5,
}


@pytest.mark.parametrize("url", sorted(DETAILS))
def test_detail_query_counts_are_bounded(world, viewer, url, django_assert_max_num_queries):
    client = factories.api_client_for(viewer)
    dev = world.deviations["curl"][0]
    url_ = url.format(dev=dev.pk, run=world.sync.pk)
    with django_assert_max_num_queries(DETAILS[url]):
        assert client.get(url_).status_code == 200
    # More reviews and notes do not add queries.
    for name in ("rob", "ron", "roy"):
        reviewer = factories.make_user(name, roles=[REVIEWER])
        notes.add_note(audit.Actor.for_user(reviewer), dev, f"why, says {name}")
        reviews.decide(
            audit.Actor.for_user(reviewer),
            dev,
            "changes-requested",
            "split it",
            seen=reviews.seen_now(dev),
        )
    with django_assert_max_num_queries(DETAILS[url]):
        assert client.get(url_).status_code == 200


def test_a_removed_component_is_still_found_by_name(world, as_viewer):
    jq = world.components["jq"]
    jq.removed = True
    jq.save()
    assert "jq" not in [c["name"] for c in as_viewer.get("/api/components/").json()["results"]]
    assert as_viewer.get("/api/components/jq/").json()["removed"] is True


def _sorts(filterset) -> list[str]:
    return [key for key, _ in filterset.base_filters["sort"].extra["choices"]]


@pytest.mark.parametrize("sort", _sorts(DeviationFilter))
def test_every_declared_deviation_sort_orders_like_the_filterset(world, as_viewer, sort):
    expected = [d.pk for d in DeviationFilter({"sort": sort}).qs][:50]
    assert ids(as_viewer.get(f"/api/deviations/?sort={sort}")) == expected


@pytest.mark.parametrize("sort", _sorts(ComponentFilter))
def test_every_declared_component_sort_orders_like_the_filterset(world, as_viewer, sort):
    listed = as_viewer.get(f"/api/components/?sort={sort}").json()["results"]
    assert [c["name"] for c in listed] == [c.name for c in ComponentFilter({"sort": sort}).qs]
    drift = as_viewer.get(f"/api/drift/?sort={sort}").json()["results"]
    synced = ComponentFilter({"sort": sort}).qs.filter(sync__isnull=False)
    assert [d["component"] for d in drift] == [c.name for c in synced]


def test_severity_and_documentation_fields(world, as_viewer):
    curl = world.deviations["curl"][0]  # applies at the pin, fails at the tip
    got = as_viewer.get(f"/api/deviations/{curl.pk}/").json()
    assert (got["severity"], got["severities"]) == (
        "breaks-on-rebase",
        ["breaks-on-rebase", "needs-review"],
    )
    assert (got["documented"], got["label"]) == (
        True,
        "spec-remove-tag Recommends: ca-certificates",
    )
    pin = as_viewer.get(f"/api/deviations/{world.deviations['jq'][0].pk}/").json()
    assert (pin["documented"], pin["label"]) == (False, "")
    assert pin["severities"] == ["needs-review", "undocumented"]
    components = {
        c["name"]: (c["status"], c["undocumented"])
        for c in as_viewer.get("/api/components/?page_size=100").json()["results"]
    }
    assert components["curl"] == ("breaks-on-rebase", 0)
    assert components["jq"] == ("sync-problem", 1)  # its sync failed; its pin undocumented
    assert components["zlib"] == ("ok", 0)

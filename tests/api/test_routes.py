"""The API's URL map as the router makes it: the same paths, methods and errors as the
hand-written routes it replaced, names in the `api` namespace, JSON errors everywhere."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from deviations.models import DriftCommit, SyncRunIssue
from deviations.reads import queries
from deviations.web.api.sync import ISSUES_SHOWN
from tests import factories

# Every route under /api/ (its path() pattern) and the methods it answers, OPTIONS aside.
ROUTES = {
    "components/": {"get"},
    "components/<component_name:name>/": {"get"},
    "components/<component_name:name>/ownership/": {"post"},
    "components/<component_name:name>/acknowledgements/": {"get", "post"},
    "drift/": {"get"},
    "drift/<component_name:name>/": {"get"},
    "deviations/": {"get"},
    "deviations/<int:pk>/": {"get"},
    "deviations/<int:pk>/reviews/": {"post"},
    "deviations/<int:pk>/notes/": {"get", "post"},
    "deviations/<int:pk>/ownership/": {"post"},
    "deviations/<int:pk>/acknowledgements/": {"get", "post"},
    "notes/<int:pk>/versions/": {"post"},
    "reviews/": {"get"},
    "reviews/<int:pk>/": {"get"},
    "sync-runs/": {"get", "post"},
    "sync-runs/<int:pk>/": {"get"},
    "audit-events/": {"get"},
    "audit-events/<int:pk>/": {"get"},
    "acknowledgements/": {"get"},
    "acknowledgements/<int:pk>/": {"get"},
    "acknowledgements/<int:pk>/withdraw/": {"post"},
    "exports/deviations.csv": {"get"},
    "exports/queue.csv": {"get"},
    "exports/components.csv": {"get"},
    "exports/audit.csv": {"get"},
    "exports/reviews.csv": {"get"},
    "exports/acknowledgements.csv": {"get"},
    "changes/": {"get"},
    "schema/": {"get"},
    "docs/": {"get"},
}


def methods(view) -> set[str]:
    """The HTTP methods a route answers (OPTIONS and HEAD aside)."""
    if getattr(view, "actions", None):  # a viewset's route maps methods to actions
        answered = set(view.actions)
    else:
        answered = {m for m in view.cls.http_method_names if hasattr(view.cls, m)}
    return answered - {"options", "head"}


def test_the_router_makes_the_same_routes_and_methods():
    found = {}
    for pattern in get_resolver("deviations.web.api.urls").url_patterns:
        assert isinstance(pattern, URLPattern)
        found[str(pattern.pattern)] = methods(pattern.callback)
    assert found == ROUTES


def test_route_names_are_the_routers_in_the_api_namespace():
    assert reverse("api:deviation-list") == "/api/deviations/"
    assert reverse("api:deviation-detail", args=[7]) == "/api/deviations/7/"
    assert reverse("api:deviation-decide", args=[7]) == "/api/deviations/7/reviews/"
    assert reverse("api:deviation-notes", args=[7]) == "/api/deviations/7/notes/"
    assert reverse("api:note-versions", args=[3]) == "/api/notes/3/versions/"
    assert reverse("api:component-detail", args=["perl-Foo.Bar"]) == "/api/components/perl-Foo.Bar/"
    assert reverse("api:drift-detail", args=["curl"]) == "/api/drift/curl/"
    assert reverse("api:sync-run-list") == "/api/sync-runs/"
    assert reverse("api:audit-event-detail", args=[1]) == "/api/audit-events/1/"
    assert reverse("api:export-deviations") == "/api/exports/deviations.csv"
    assert (reverse("api:schema"), reverse("api:docs")) == ("/api/schema/", "/api/docs/")


@pytest.mark.parametrize(
    "url",
    [
        "/api/",  # no API root (SimpleRouter)
        "/api/nope/",
        "/api/deviations/abc/",
        "/api/deviations/-1/",
        "/api/deviations/1.json",  # no format suffixes
        "/api/notes/1/",  # a note's only route is its versions
        "/api/components/a%00b/",
        "/api/drift/a%00b/",
    ],
)
def test_unknown_urls_are_json_404s(world, as_viewer, url):
    response = as_viewer.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_method_a_route_does_not_take_is_a_json_405(world, as_reviewer):
    dev = world.deviations["curl"][0]
    response = as_reviewer.get(f"/api/deviations/{dev.pk}/reviews/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    assert as_reviewer.delete(f"/api/deviations/{dev.pk}/").status_code == 405


@pytest.mark.parametrize("url", ["/api/deviations/1/reviews/", "/api/notes/1/versions/"])
def test_writes_challenge_for_a_token_too(world, url):
    response = APIClient().post(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


LISTS = [
    "/api/components/",
    "/api/drift/",
    "/api/deviations/",
    "/api/reviews/",
    "/api/sync-runs/",
    "/api/audit-events/",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_pages_with_the_settings_paginator(world, reviewer, as_viewer, url):
    # A decision so that the review history has two rows to page through.
    dev = world.deviations["curl"][0]
    factories.api_client_for(reviewer).post(
        f"/api/deviations/{dev.pk}/reviews/",
        {
            "decision": "changes-requested",
            "comment": "split it",
            "fingerprint": dev.fingerprint,
            "effect_hash": dev.effect_hash,
        },
        format="json",
    )
    factories.api_client_for(reviewer).post(
        f"/api/deviations/{dev.pk}/reviews/",
        {
            "decision": "rejected",
            "comment": "no",
            "fingerprint": dev.fingerprint,
            "effect_hash": dev.effect_hash,
        },
        format="json",
    )
    everything = as_viewer.get(url).json()
    page = as_viewer.get(f"{url}?page_size=1").json()
    assert page["count"] == everything["count"]
    assert len(page["results"]) == 1
    assert page["results"][0] == everything["results"][0]
    assert (page["next"] is not None) == (everything["count"] > 1)


def test_a_records_url_ignores_the_lists_filters(world, reviewer, as_viewer):
    """Filters select a list; a record's own URL finds it whatever they would hide.

    (Before the router, the details of reviews, sync runs and audit events applied the
    list's filters: `?deviation=abc` was a 400 and `?component=nope` a 404 there.)
    """
    dev = world.deviations["curl"][0]
    review = factories.api_client_for(reviewer).post(
        f"/api/deviations/{dev.pk}/reviews/",
        {
            "decision": "changes-requested",
            "comment": "split it",
            "fingerprint": dev.fingerprint,
            "effect_hash": dev.effect_hash,
        },
        format="json",
    )
    review_id = review.json()["id"]
    assert as_viewer.get(f"/api/reviews/?deviation={dev.pk + 10_000}").json()["count"] == 0
    assert as_viewer.get(f"/api/reviews/{review_id}/?deviation=abc").status_code == 200
    assert as_viewer.get("/api/audit-events/1/?component=nope").status_code == 200
    assert as_viewer.get(f"/api/sync-runs/{world.sync.pk}/?status=running").status_code == 200
    assert as_viewer.get(f"/api/deviations/{dev.pk}/?kind=build-option").status_code == 200
    assert as_viewer.get("/api/components/curl/?q=zzz").status_code == 200


def test_the_drift_detail_shows_the_first_commits_after_the_pin(world, as_viewer):
    curl = world.components["curl"]
    start = DriftCommit.objects.filter(component=curl).count()
    now = timezone.now()
    DriftCommit.objects.bulk_create(
        DriftCommit(
            component=curl,
            position=start + n,
            sha=f"{start + n:040x}",
            committed_at=now,
            author="a",
            subject=f"commit {start + n}",
        )
        for n in range(queries.DRIFT_LIMIT, 0, -1)  # stored out of order
    )
    data = as_viewer.get("/api/drift/curl/").json()
    assert data["commits_shown"] == queries.DRIFT_LIMIT
    assert [c["position"] for c in data["commits"]] == list(range(1, queries.DRIFT_LIMIT + 1))


def test_a_sync_runs_detail_shows_its_first_issues_in_order(world, as_viewer):
    now = timezone.now()
    SyncRunIssue.objects.bulk_create(
        SyncRunIssue(
            run=world.sync, component_name=f"pkg-{n:04d}", kind="x", message="m", created_at=now
        )
        for n in range(ISSUES_SHOWN + 10, 0, -1)
    )
    other = world.sync.__class__.objects.create(status="failed", created_at=now)
    SyncRunIssue.objects.create(
        run=other, component_name="aaa", kind="x", message="m", created_at=now
    )
    issues = as_viewer.get(f"/api/sync-runs/{world.sync.pk}/").json()["issues"]
    expected = list(
        queries.run_issues(world.sync).values_list("component_name", flat=True)[:ISSUES_SHOWN]
    )
    assert [i["component_name"] for i in issues] == expected
    assert len(expected) == ISSUES_SHOWN and "aaa" not in expected


CSV_CLIENTS = {"accept": ({}, {"HTTP_ACCEPT": "text/csv"}), "format": ({"format": "csv"}, {})}


@pytest.mark.parametrize("how", sorted(CSV_CLIENTS))
def test_an_export_answers_errors_in_json_even_to_a_csv_client(world, as_viewer, nobody, how):
    """(Before, an export's 400 to a client asking for CSV was JSON labelled text/csv.)"""
    query, headers = CSV_CLIENTS[how]
    url = "/api/exports/audit.csv"
    response = as_viewer.get(url, {**query, "until": "never"}, **headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"until": ["Enter a valid date."]}
    for client, status in ((factories.api_client_for(nobody), 403), (APIClient(), 401)):
        refused = client.get(url, query, **headers)
        assert (refused.status_code, refused["Content-Type"]) == (status, "application/json")
    file = as_viewer.get(url, query, **headers)
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")

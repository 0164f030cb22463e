"""Downloads from the list pages: permission, headers, and exactly the rows the page shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from deviations.domain.permissions import VIEWER
from deviations.models import AuditEvent, ReviewState
from deviations.reads import exports
from deviations.reads.filters import DeviationFilter
from tests import factories


def body(response) -> list[list[str]]:
    data = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(data, newline="")))


@pytest.fixture
def world(db):
    w = factories.make_world(extra_components=6)
    # Some variety in review states for the queue.
    devs = [d for devs in w.deviations.values() for d in devs]
    for i, d in enumerate(devs[:5]):
        d.review_state = [ReviewState.APPROVED, ReviewState.STALE][i % 2]
        d.review_state_changed_at = factories.T0 + dt.timedelta(days=10 - i)
        d.save()
    return w


@pytest.fixture
def vera(db):
    return factories.make_user("vera", roles=[VIEWER])


def test_every_list_page_links_to_its_export_with_its_filters(client, vera, world):
    client.force_login(vera)
    for page, dataset in [
        ("/deviations/?kind=overlay&page=1", "deviations"),
        ("/components/?behind=any", "components"),
        ("/audit/?action=deviation.created", "audit"),
        ("/reviews/?kind=overlay", "queue"),
    ]:
        html = client.get(page).content.decode()
        link = re.search(r'<p class="export"><a class="button secondary" href="([^"]+)"', html)
        assert link, page
        url = link.group(1).replace("&amp;", "&")
        query = page.partition("?")[2].replace("&page=1", "")
        assert url == f"/exports/{dataset}.csv?{query}"
        assert client.get(url).status_code == 200


def test_download_headers(client, vera, world):
    client.force_login(vera)
    response = client.get("/exports/deviations.csv?kind=overlay")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="azldrift-deviations-kind-overlay-{today}.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    rows = body(response)
    assert rows[0][0] == "component"
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id, event.origin) == ("export.deviations", vera.pk, "web")
    assert event.after["filters"] == {"kind": "overlay"}
    assert event.after["rows"] == len(rows) - 1


def page_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<th scope="row"><a href="/deviations/(\d+)/', html)]


def queue_ids(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<th scope="row"><a href="/deviations/(\d+)/review/', html)
    ]


FILTERS = [
    "",
    "kind=overlay",
    "category=azl-pruning",
    "review_state=needs-review&sort=-updated",
    "verdict_at_tip=failed",
    "author=bo&sort=kind",
    "q=pkg-000&obsolete=no",
    "removed=all&sort=review",
]


@pytest.mark.parametrize("query", FILTERS)
def test_a_filtered_export_equals_the_filtered_ui_list(client, vera, world, query):
    client.force_login(vera)
    shown = page_ids(client.get(f"/deviations/?{query}").content.decode())
    exported = [int(r[1]) for r in body(client.get(f"/exports/deviations.csv?{query}"))[1:]]
    assert exported == shown  # same rows, same order
    # ... and both are what the shared FilterSet selects.
    params = dict(p.split("=") for p in query.split("&") if p)
    assert exported == [d.pk for d in DeviationFilter(params).qs][:50]


@pytest.mark.parametrize("query", ["", "kind=overlay", "review_state=stale", "sort=-updated"])
def test_the_queue_export_equals_the_queue(client, vera, world, query):
    client.force_login(vera)
    shown = queue_ids(client.get(f"/reviews/?{query}").content.decode())
    exported = [int(r[1]) for r in body(client.get(f"/exports/queue.csv?{query}"))[1:]]
    assert shown and exported == shown


@pytest.mark.parametrize("query", ["", "behind=any", "rebase_risk=fail&sort=-behind", "q=pkg"])
def test_the_components_export_equals_the_component_list(client, vera, world, query):
    client.force_login(vera)
    html = client.get(f"/components/?{query}").content.decode()
    shown = re.findall(r'<th scope="row"><a href="/components/([^/]+)/">', html)
    exported = [r[0] for r in body(client.get(f"/exports/components.csv?{query}"))[1:]]
    assert shown and exported == shown


def test_the_audit_export_equals_the_audit_log(client, vera, world):
    client.force_login(vera)
    html = client.get("/audit/?component=curl").content.decode()
    shown = [int(s) for s in re.findall(r'<a href="/audit/(\d+)/"', html)]
    exported = [int(r[0]) for r in body(client.get("/exports/audit.csv?component=curl"))[1:]]
    assert shown and exported == shown


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get("/exports/deviations.csv")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_users_without_a_role_are_refused(client, world):
    client.force_login(factories.make_user("nora"))
    for name in exports.DATASETS:
        assert client.get(f"/exports/{name}.csv").status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_invalid_filters_answer_400_naming_them(client, vera, world):
    client.force_login(vera)
    response = client.get("/exports/deviations.csv?kind=bogus")
    assert response.status_code == 400
    assert "kind" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_post_is_not_allowed(client, vera, world):
    client.force_login(vera)
    assert client.post("/exports/deviations.csv").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_read_snapshot_ends_before_the_event(client):
    """No test transaction around the request here, as in production: on PostgreSQL the
    rows are read in a REPEATABLE READ, READ ONLY transaction, which must be over when the
    audit event is written (also when the download is abandoned)."""
    from django.db import connection

    factories.make_world(extra_components=2)
    client.force_login(factories.make_user("vera", roles=[VIEWER]))
    response = client.get("/exports/deviations.csv?kind=overlay")
    rows = body(response)
    assert not connection.in_atomic_block
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.after["rows"], event.after["complete"]) == (
        "export.deviations",
        len(rows) - 1,
        True,
    )
    abandoned = client.get("/exports/deviations.csv")
    next(iter(abandoned.streaming_content))
    abandoned.close()  # what the server does when the client goes away
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.after["complete"] is False
    assert not connection.in_atomic_block

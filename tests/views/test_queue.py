"""The review queue: open deviations oldest first, filterable, bulk approval."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deviations.domain.permissions import VIEWER
from deviations.models import AuditEvent, Deviation, DeviationVersion, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def waiting(component, key, days, state=ReviewState.NEEDS_REVIEW, **kwargs):
    dev = factories.make_deviation(component, key=key, **kwargs)
    # Imported then (from a folder: no config commit dates it).
    DeviationVersion.objects.filter(deviation=dev).update(created_at=T0 + dt.timedelta(days=days))
    Deviation.objects.filter(pk=dev.pk).update(
        created_at=T0 + dt.timedelta(days=days),
        review_state=state,
        review_state_changed_at=None
        if state == ReviewState.NEEDS_REVIEW
        else T0 + dt.timedelta(days=days),
    )
    dev.refresh_from_db()
    return dev


def rows(html):
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [line for line in body.split("<tr>")[1:]]


def test_the_queue_lists_open_deviations_waiting_longest_first(client, rita):
    newer = waiting("zlib", "overlay-1", days=5)
    stale = waiting("bash", "overlay-2", days=2, state=ReviewState.STALE)
    oldest = waiting("curl", "overlay-3", days=1)
    waiting("gzip", "overlay-4", days=0, state=ReviewState.APPROVED)
    waiting("gzip", "overlay-5", days=0, state=ReviewState.REJECTED)
    html = client.get(reverse("review_queue")).content.decode()
    assert "3 deviations waiting" in html
    order = [html.index(reverse("deviation_review", args=[d.pk])) for d in (oldest, stale, newer)]
    assert order == sorted(order)
    assert 'aria-current="page">Review queue' in html


def test_the_queue_filters_like_the_deviation_list_and_updates_in_place(client, rita):
    waiting("bash", "overlay-1", days=1, state=ReviewState.STALE)
    waiting("curl", "overlay-2", days=2)
    response = client.get(
        reverse("review_queue"),
        {"review_state": "stale"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "1 deviation waiting" in html and "bash" in html and "curl" not in html
    assert "<html" not in html


def test_viewers_see_the_queue_without_selection_boxes(client):
    client.force_login(factories.make_user("vera", roles=[VIEWER]))
    waiting("bash", "overlay-1", days=1)
    html = client.get(reverse("review_queue")).content.decode()
    assert "1 deviation waiting" in html
    assert 'type="checkbox"' not in html and "Approve selected" not in html


def test_bulk_approval_confirms_once_then_approves_each_on_its_own(client, rita):
    ok1 = waiting("bash", "overlay-1", days=1, effect="-a\n+b\n")
    ok2 = waiting("curl", "overlay-2", days=2)
    own = waiting(
        "zlib",
        "overlay-3",
        days=3,
        introduced=factories.make_commit(author="R", email="rita@example.com"),
    )
    selected = [ok1.pk, ok2.pk, own.pk]

    confirm = client.get(reverse("review_bulk"), {"d": selected, "next": "/reviews/?q=x"})
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Approve 2 deviations?" in html
    assert "Four eyes: you authored this deviation" in html
    assert f'value="{ok1.pk}:{ok1.fingerprint}:{ok1.effect_hash}"' in html
    assert f'value="{own.pk}:' not in html
    assert not AuditEvent.objects.filter(action__startswith="review.").exists()

    response = client.post(
        reverse("review_bulk"),
        {
            "d": [f"{d.pk}:{d.fingerprint}:{d.effect_hash}" for d in (ok1, ok2, own)],
            "comment": "batch of trivial ones",
            "next": "/reviews/?q=x",
        },
    )
    assert response.status_code == 302 and response.url == "/reviews/?q=x"
    events = AuditEvent.objects.filter(action="review.approved").order_by("seq")
    assert [e.object_id for e in events] == [str(ok1.pk), str(ok2.pk)]
    assert all(e.after["comment"] == "batch of trivial ones" for e in events)
    own.refresh_from_db()
    assert own.review_state == ReviewState.NEEDS_REVIEW
    follow = client.get(reverse("review_queue")).content.decode()
    assert "Approved 2 deviations." in follow
    assert "Not approved: zlib: overlay-3: Four eyes" in follow
    assert "1 deviation waiting" in follow


def test_bulk_approval_refuses_what_changed_after_the_confirmation(client, rita):
    dev = waiting("bash", "overlay-1", days=1, effect="-a\n+b\n")
    confirmed = f"{dev.pk}:{dev.fingerprint}:{dev.effect_hash}"
    factories.record_effect(dev, "-a\n+c\n")
    client.post(reverse("review_bulk"), {"d": [confirmed]})
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    follow = client.get(reverse("review_queue")).content.decode()
    assert "It changed after you confirmed" in follow


def test_bulk_approval_of_bare_ids_approves_nothing_and_shows_the_confirmation(client, rita):
    dev = waiting("bash", "overlay-1", days=1)
    for values in (
        [str(dev.pk)],
        [f"{dev.pk}:{dev.fingerprint}"],
        [f"{dev.pk}::{dev.effect_hash}"],
    ):
        response = client.post(reverse("review_bulk"), {"d": values})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Nothing was approved" in html and "Approve 1 deviation?" in html
        assert f'value="{dev.pk}:{dev.fingerprint}:{dev.effect_hash}"' in html
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.NEEDS_REVIEW
    assert not AuditEvent.objects.filter(action__startswith="review.").exists()


def test_bulk_confirmation_never_redirects_off_site(client, rita):
    dev = waiting("bash", "overlay-1", days=1)
    html = client.get(
        reverse("review_bulk"), {"d": [dev.pk], "next": "https://evil.example/"}
    ).content.decode()
    assert "evil.example" not in html


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "http:evil.example",
        "javascript:alert(1)",
    ],
)
def test_bulk_approval_never_redirects_off_site(client, rita, target):
    dev = waiting("bash", "overlay-1", days=1)
    response = client.post(
        reverse("review_bulk"),
        {"d": [f"{dev.pk}:{dev.fingerprint}:{dev.effect_hash}"], "next": target},
    )
    assert response.status_code == 302
    assert response.url == reverse("review_queue")


def test_bulk_approval_goes_back_to_the_page_it_came_from(client, rita):
    dev = waiting("bash", "overlay-1", days=1)
    response = client.post(
        reverse("review_bulk"),
        {"d": [f"{dev.pk}:{dev.fingerprint}:{dev.effect_hash}"], "next": "/reviews/?q=bash"},
    )
    assert response.url == "/reviews/?q=bash"


def test_safe_next_keeps_same_site_addresses_only(rf):
    from deviations.web.redirects import safe_next

    request = rf.get("/", secure=True)
    assert safe_next(request, "/audit/?page=2", "/") == "/audit/?page=2"
    assert safe_next(request, "https://testserver/audit/", "/") == "https://testserver/audit/"
    assert safe_next(request, "http://testserver/audit/", "/") == "/"  # https, then http
    assert safe_next(request, "https://evil.example/", "/") == "/"
    assert safe_next(request, "", "/fallback/") == "/fallback/"
    assert safe_next(request, None, "/fallback/") == "/fallback/"


def test_queue_query_count_does_not_grow_with_rows(client, rita):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("review_queue")).status_code == 200
        return len(ctx.captured_queries)

    waiting("bash", "overlay-0", days=0, introduced=factories.make_commit())
    few = count()
    for i in range(1, 30):
        waiting(f"comp{i % 7}", f"overlay-{i}", days=i, introduced=factories.make_commit())
    assert count() == few


def test_the_sort_menu_names_the_queues_own_order(client, rita):
    """Unsorted, the queue is oldest first; its menu says so (the deviation list's
    unsorted order, component A to Z, is not the queue's)."""
    waiting("bash", "overlay-1", days=1)
    queue = client.get(reverse("review_queue")).content.decode()
    menu = queue[queue.index('name="sort"') : queue.index("</select>", queue.index('name="sort"'))]
    assert '<option value="" selected>waiting longest (oldest first)</option>' in menu
    assert "component (A to Z)" not in menu
    listing = client.get(reverse("deviations")).content.decode()
    assert '<option value="" selected>component (A to Z)</option>' in listing

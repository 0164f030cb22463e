"""The audit log: newest first, filterable by actor, action, component and time, paginated."""

import datetime as dt
import re

import pytest
from django.db import transaction
from django.urls import reverse

from deviations.domain import audit
from deviations.models import AuditEvent
from deviations.vocabulary import AuditAction
from tests import factories
from tests.support import HX

URL = "/audit/"
MAX_QUERIES = 7


@pytest.fixture
def world(db):
    w = factories.make_world()
    with transaction.atomic():
        w.synced = audit.record(
            audit.Actor.job("sync #1"),
            AuditAction.SYNC_COMPONENT_CHANGED,
            component_name="curl",
            object_type="component",
            object_id=str(w.components["curl"].pk),
            object_repr="curl",
            before={"tip": "a"},
            after={"tip": "b"},
        )
    return w


def seqs_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="mono small"><a href="/audit/(\d+)/"', html)]


def seqs(response) -> list[int]:
    return seqs_of(response.content.decode())


def test_url_layout():
    assert reverse("audit") == URL


def test_newest_first(client_in, world):
    found = seqs(client_in.get(URL))
    assert found == sorted(found, reverse=True)
    assert len(found) == AuditEvent.objects.count()


def test_filters(client_in, world):
    assert seqs(client_in.get(f"{URL}?actor=sync+%231")) == [AuditEvent.objects.latest("seq").seq]
    synced = client_in.get(f"{URL}?action=sync.component.changed").content.decode()
    assert "sync.component.changed" in synced and seqs_of(synced) == [world.synced.seq]
    curl = set(AuditEvent.objects.filter(component_name="curl").values_list("seq", flat=True))
    assert set(seqs(client_in.get(f"{URL}?component=curl"))) == curl
    d = world.deviations["curl"][0]
    by_object = seqs(client_in.get(f"{URL}?object_type=deviation&object_id={d.pk}"))
    assert len(by_object) == 1


def test_time_filters_are_whole_utc_days(client_in, world, monkeypatch):
    late_evening = dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.UTC)
    monkeypatch.setattr(audit.timezone, "now", lambda: late_evening)
    with transaction.atomic():
        old = audit.record(audit.Actor.job("import #0"), AuditAction.CONFIG_SOURCE_MOVED)
    assert seqs(client_in.get(f"{URL}?since=2026-03-01&until=2026-03-01")) == [old.seq]
    assert seqs(client_in.get(f"{URL}?until=2026-03-01")) == [old.seq]
    assert old.seq not in seqs(client_in.get(f"{URL}?since=2026-03-02"))
    assert old.seq in seqs(client_in.get(f"{URL}?since=2026-03-01"))


def test_the_action_menu_is_the_vocabulary(client_in, world):
    # Every action the trail records, whether or not the log has one yet; no other.
    html = client_in.get(URL).content.decode()
    for action in AuditAction:
        assert f'<option value="{action.value}">' in html
    unknown = client_in.get(f"{URL}?action=component.synced").content.decode()
    assert "Select a valid choice" in unknown


def test_bad_date_is_an_error_message(client_in, world):
    response = client_in.get(f"{URL}?since=yesterday")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_paginated_with_fragment(client_in, world):
    factories.add_synced_components(world, 30)
    response = client_in.get(URL)
    assert len(seqs(response)) == 50
    assert 'href="?page=2"' in response.content.decode()
    fragment = client_in.get(f"{URL}?page=2", **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="results"')


def test_query_count_bounded(client_in, world, count_queries):
    small = count_queries(lambda: client_in.get(f"{URL}?component=curl"))
    factories.add_synced_components(world, 30)
    large = count_queries(lambda: client_in.get(f"{URL}?component=curl"))
    assert small == large <= MAX_QUERIES


def test_event_page_shows_the_change_and_the_chain(client_in, world):
    event = world.synced
    response = client_in.get(reverse("audit_event", args=[event.seq]))
    assert response.status_code == 200
    html = response.content.decode()
    assert event.hash in html and event.prev_hash in html
    assert '<tr class="del">' in html and '<tr class="add">' in html  # before -> after diff
    assert "&quot;b&quot;" in html
    assert f'href="{reverse("component", args=["curl"])}"' in html
    assert client_in.get(reverse("audit_event", args=[999999])).status_code == 404


def test_event_tables_link_to_the_event_pages(client_in, world):
    html = client_in.get(URL).content.decode()
    assert f'href="{reverse("audit_event", args=[world.synced.seq])}"' in html

"""The Mine page and the feeds ask a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deviations.domain import audit, feeds, ownership, watches
from deviations.domain.permissions import REVIEWER
from deviations.models import Component, Deviation
from deviations.vocabulary import AcknowledgedSubject
from tests import factories

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    client.get(url)  # sessions, caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add(n: int, commit) -> None:
    for i in range(n):
        name = f"pkg{i % 7}"
        factories.make_deviation(name, introduced=commit, description=f"change {i}")


def own_and_overdue(user, every: int) -> None:
    """`user` owns every `every`-th deviation (and every component), all past due."""
    owner = ownership.owner_for(user)
    past = dt.date(2026, 1, 1)
    ids = list(Deviation.objects.order_by("pk").values_list("pk", flat=True))[::every]
    Deviation.objects.filter(pk__in=ids).update(owner=owner, due_date=past)
    Component.objects.update(owner=owner, due_date=past)


def acknowledge(user, subject, target) -> None:
    ownership.acknowledge(
        audit.Actor.for_user(user),
        subject,
        target,
        reason="Known, held on purpose",
        expires_on=ownership.today() + dt.timedelta(days=3),
    )


def test_mine_and_the_feeds_cost_the_same_for_few_and_many_rows(client, drifting):
    ann = factories.make_user("ann", roles=[REVIEWER], email="ann@users.invalid")
    commit = factories.make_commit(author="Ann Author")
    other = factories.make_commit(author="Olga Other")
    key = feeds.issue(audit.Actor.for_user(ann), ann)
    for name in ("pkg0", "pkg1"):
        watches.watch_component(audit.Actor.for_user(ann), ann, factories.component_named(name))
    watches.watch_filter(audit.Actor.for_user(ann), ann, "q=change")
    client.force_login(ann)
    reader = Client()
    urls = [
        reverse("feed_mine", args=[key]),
        reverse("feed_queue", args=[key]),
        reverse("feed_deviations", args=[key]) + "?q=change",
        reverse("feed_component", args=[key, "pkg0"]),
    ]
    add(3, commit)
    add(2, other)
    own_and_overdue(ann, 2)
    acknowledge(ann, AcknowledgedSubject.FAILING_AT_TIP, drifting.failing)
    few = [queries(client, reverse("mine"))] + [queries(reader, url) for url in urls]
    add(60, commit)
    add(30, other)
    own_and_overdue(ann, 2)
    acknowledge(ann, AcknowledgedSubject.NOOP_AT_TIP, drifting.noop)
    acknowledge(ann, AcknowledgedSubject.OBSOLETE, drifting.obsolete)
    acknowledge(ann, AcknowledgedSubject.DRIFT, drifting.component)
    many = [queries(client, reverse("mine"))] + [queries(reader, url) for url in urls]
    assert few == many
    page = client.get(reverse("mine")).content.decode()
    assert 'My overdue items <span class="muted">(' in page
    assert 'Acknowledgements I made that expire soon <span class="muted">(4)' in page

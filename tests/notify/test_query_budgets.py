"""The Mine page and the feeds ask a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deviations.domain import audit, feeds, watches
from deviations.domain.permissions import REVIEWER
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


def test_mine_and_the_feeds_cost_the_same_for_few_and_many_rows(client):
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
    few = [queries(client, reverse("mine"))] + [queries(reader, url) for url in urls]
    add(60, commit)
    add(30, other)
    many = [queries(client, reverse("mine"))] + [queries(reader, url) for url in urls]
    assert few == many

"""The deviation list: the same filters the API and the CSV export use."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.support import HX

URL = "/deviations/"
MAX_QUERIES = 7  # with whether you watch the filter (the Watch button)


@pytest.fixture
def world(db):
    return factories.make_world(extra_components=3)


def ids(response) -> set[int]:
    return {
        int(pk)
        for pk in re.findall(
            r'<th scope="row"><a href="/deviations/(\d+)/">', response.content.decode()
        )
    }


def test_url_layout():
    assert reverse("deviations") == URL


def test_lists_every_current_deviation(client_in, world):
    every = {d.pk for devs in world.deviations.values() for d in devs}
    assert ids(client_in.get(URL)) == every


def test_filters(client_in, world):
    curl = world.deviations["curl"]
    assert ids(client_in.get(f"{URL}?component=curl")) == {d.pk for d in curl}
    assert ids(client_in.get(f"{URL}?kind=build-option")) == {curl[2].pk}
    assert ids(client_in.get(f"{URL}?verdict_at_tip=no-op")) == {world.deviations["nano"][0].pk}
    assert ids(client_in.get(f"{URL}?obsolete=yes")) == {world.deviations["nano"][0].pk}
    assert ids(client_in.get(f"{URL}?q=CA+bundle")) == {curl[0].pk}
    assert ids(client_in.get(f"{URL}?author=bo")) == {world.deviations["nano"][0].pk} | {
        d.pk
        for name, devs in world.deviations.items()
        if name.startswith("pkg")
        for d in devs
        if d.introduced_commit_id == world.later_commit.pk
    }
    assert ids(client_in.get(f"{URL}?commit={world.later_commit.sha[:10]}")) == ids(
        client_in.get(f"{URL}?author=Bo+Reviewer")
    )


def test_removed_deviations_hidden_by_default(client_in, world):
    d = world.deviations["curl"][1]
    d.removed = True
    d.save()
    assert d.pk not in ids(client_in.get(URL))
    assert ids(client_in.get(f"{URL}?removed=yes")) == {d.pk}


def test_htmx_fragment(client_in, world):
    html = client_in.get(f"{URL}?kind=overlay", **HX).content.decode()
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html


def test_query_count_does_not_grow_with_rows(client_in, world, count_queries):
    small = count_queries(lambda: client_in.get(f"{URL}?kind=overlay"))
    factories.add_synced_components(world, 20)
    large = count_queries(lambda: client_in.get(f"{URL}?kind=overlay"))
    assert small == large <= MAX_QUERIES

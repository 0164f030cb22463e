"""The overview: totals, charts as SVG with links, drift at a glance, last sync."""

import re

import pytest
from django.urls import reverse

from tests import factories

MAX_QUERIES = 21  # session + user + roles + the overview's fixed set of aggregates + its trends (2)
# + the board for today: its head check, the attention counts (3 cold, none warm)


@pytest.mark.django_db
def test_overview_shows_totals_and_drift(client_in):
    factories.make_world()
    response = client_in.get(reverse("overview"))
    assert response.status_code == 200
    html = response.content.decode()
    tiles = dict(
        (label, int(num))
        for num, label in re.findall(
            r'class="tile-num">(\d+)</span><span class="tile-label">([^<]+)<', html
        )
    )
    assert tiles["components"] == 4
    assert tiles["customized components"] == 3  # zlib is bare
    assert tiles["deviations"] == 5
    assert tiles["components behind their branch tip"] == 2  # curl 3, nano 1
    board = dict(re.findall(r'data-severity="([a-z-]+)">\s*<span class="tile-num">(\d+)<', html))
    # curl's Recommends overlay applies at the pin and fails at the tip: it breaks on
    # rebase, and nothing is broken now; nano's backport is a no-op; jq's sync failed.
    assert board["broken-now"] == "0"
    assert board["breaks-on-rebase"] == "1"
    assert board["obsolete-candidate"] == "1"
    assert board["sync-problem"] == "1"
    # Charts are SVG with links into the filtered lists, no inline styles.
    assert "<svg" in html and " style=" not in html
    assert f'href="{reverse("deviations")}?kind=overlay&amp;category=azl-pruning"' in html
    assert f'href="{reverse("components")}?behind=2-5"' in html
    # Last sync and its per-component error.
    assert "pin-missing" in html
    assert f'href="{reverse("component", args=["jq"])}"' in html


@pytest.mark.django_db
def test_overview_of_an_empty_database(client_in):
    response = client_in.get(reverse("overview"))
    assert response.status_code == 200
    assert "No sync has run yet." in response.content.decode()


@pytest.mark.django_db
def tile(html: str, label: str) -> int:
    match = re.search(rf'class="tile-num">(\d+)</span><span class="tile-label">{label}<', html)
    return int(match.group(1))


def test_totals_are_cached_until_the_next_recorded_change(client_in, count_queries):
    w = factories.make_world()
    url = reverse("overview")
    cold = count_queries(lambda: client_in.get(url))
    warm = count_queries(lambda: client_in.get(url))
    assert warm < cold
    assert tile(client_in.get(url).content.decode(), "components") == 4
    factories.add_synced_components(w, 2)  # recorded with audit events, as import and sync do
    assert tile(client_in.get(url).content.decode(), "components") == 6


def test_overview_query_count_does_not_grow_with_rows(client_in, count_queries):
    w = factories.make_world()
    url = reverse("overview")
    small = count_queries(lambda: client_in.get(url))
    factories.add_synced_components(w, 25)
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= MAX_QUERIES

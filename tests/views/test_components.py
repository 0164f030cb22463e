"""The component list: search, every filter, sorting, paging, htmx fragment and no-JS."""

import re

import pytest
from django.urls import reverse

from deviations.models import ReviewState
from tests import factories
from tests.support import HX

URL = "/components/"
MAX_QUERIES = 8  # session, user, count, page, deviations prefetch (+ spare)


def names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<th scope="row"><a href="/components/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def world(db):
    return factories.make_world(extra_components=6)


def test_url_layout():
    assert reverse("components") == URL


def test_lists_all_current_components_by_name(client_in, world):
    found = names(client_in.get(URL))
    assert found == sorted(found)
    assert {"curl", "jq", "nano", "zlib", "pkg-0005"} <= set(found)
    assert len(found) == 10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=CUR", {"curl"}),
        ("has_deviations=no", {"zlib"}),
        ("kind=upstream-pin", {"jq"}),
        ("kind=build-option", {"curl"}),
        ("overlay_type=patch-add", {"nano"}),
        ("category=azl-pruning", {"curl", "pkg-0000", "pkg-0003", "pkg-0004"}),
        ("upstream_status=upstreamed", {"nano"}),
        ("behind=2-5", {"curl", "pkg-0002", "pkg-0003"}),
        ("behind=0", {"zlib", "pkg-0000", "pkg-0004"}),
        ("behind=unknown", {"jq"}),
        ("rebase_risk=fail", {"curl", "pkg-0000", "pkg-0003"}),
        ("rebase_risk=noop", {"nano"}),
        ("obsolete=yes", {"nano"}),
        ("sync_error=yes", {"jq"}),
        ("category=azl-pruning&q=pkg", {"pkg-0000", "pkg-0003", "pkg-0004"}),
    ],
)
def test_filters(client_in, world, query, expected):
    assert set(names(client_in.get(f"{URL}?{query}"))) == expected


def test_deviation_filters_combine_on_one_deviation(client_in, world):
    # curl has an azl-pruning overlay and an approved overlay, but not one that is both.
    compat = world.deviations["curl"][1]
    compat.review_state = ReviewState.APPROVED
    compat.save()
    assert "curl" in names(client_in.get(f"{URL}?review_state=approved"))
    both = client_in.get(f"{URL}?review_state=approved&category=azl-pruning")
    assert "curl" not in names(both)
    assert "curl" in names(client_in.get(f"{URL}?review_state=approved&category=azl-compatibility"))


def test_removed_components_are_hidden_unless_asked(client_in, world):
    gone = factories.make_component("oldpkg", removed=True)
    assert gone.name not in names(client_in.get(URL))
    assert names(client_in.get(f"{URL}?removed=yes")) == ["oldpkg"]
    assert "oldpkg" in names(client_in.get(f"{URL}?removed=all"))


@pytest.mark.parametrize(
    ("sort", "first"),
    [("-name", "zlib"), ("-deviations", "curl"), ("-behind", "curl"), ("-obsolete", "nano")],
)
def test_sorting(client_in, world, sort, first):
    assert names(client_in.get(f"{URL}?sort={sort}"))[0] == first


def test_unsynced_components_sort_last_by_drift(client_in, world):
    assert names(client_in.get(f"{URL}?sort=-behind"))[-1] == "jq"


def test_invalid_filter_values_are_reported_not_crashing(client_in, world):
    response = client_in.get(f"{URL}?kind=bogus&sort=nope&page=zzz")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert len(names(response)) == 10


def test_pagination_keeps_the_filters(client_in, db):
    factories.make_world(extra_components=60)
    first = client_in.get(f"{URL}?q=pkg")
    html = first.content.decode()
    assert "60 components" in html
    assert len(names(first)) == 50
    assert 'href="?q=pkg&amp;page=2"' in html
    second = client_in.get(f"{URL}?q=pkg&page=2")
    assert names(second) == [f"pkg-{i:04d}" for i in range(50, 60)]


def test_htmx_request_gets_only_the_results_fragment(client_in, world):
    response = client_in.get(f"{URL}?q=curl", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and "<form" not in html
    assert names(response) == ["curl"]
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client_in, world):
    response = client_in.get(URL, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert "<html" in response.content.decode()


def test_no_js_page_has_a_plain_get_form_and_links(client_in, world):
    html = client_in.get(f"{URL}?category=azl-pruning").content.decode()
    assert f'<form class="filters" method="get" action="{URL}"' in html
    assert 'hx-get="/components/"' in html and 'hx-push-url="true"' in html
    assert '<option value="azl-pruning" selected>' in html
    for label in ("Name", "Deviation kind", "Category", "Behind tip", "Rebase risk", "Sort by"):
        assert f">{label}</label>" in html


def test_query_count_does_not_grow_with_rows(client_in, db, count_queries):
    w = factories.make_world()
    url = f"{URL}?has_deviations=yes&sort=-behind"
    small = count_queries(lambda: client_in.get(url))
    factories.add_synced_components(w, 70)
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= MAX_QUERIES

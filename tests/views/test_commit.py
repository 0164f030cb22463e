"""A config commit page: what it introduced and changed; short ids redirect."""

import pytest
from django.urls import reverse

from tests import factories

# One more than before: where the config was imported from, for the forge link (deliberate).
MAX_QUERIES = 11


@pytest.fixture
def world(db):
    return factories.make_world(extra_components=2)


def test_what_a_commit_introduced_and_changed(client_in, world):
    response = client_in.get(reverse("config_commit", args=[world.commit.sha]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "feat: initial commit" in html and "Ada Maintainer" in html
    introduced = html[html.index('id="introduced-h"') : html.index('id="changed-h"')]
    for d in world.deviations["curl"]:
        assert f'href="{reverse("deviation", args=[d.pk])}"' in introduced
    assert f'href="{reverse("deviation", args=[world.deviations["nano"][0].pk])}"' not in html

    later = client_in.get(reverse("config_commit", args=[world.later_commit.sha])).content.decode()
    changed = later[later.index('id="changed-h"') : later.index('id="recorded-h"')]
    # curl's first overlay was introduced earlier and last changed by the later commit.
    assert f'href="{reverse("deviation", args=[world.deviations["curl"][0].pk])}"' in changed


def test_short_id_redirects_to_the_full_one(client_in, world):
    response = client_in.get(reverse("config_commit", args=[world.commit.sha[:8]]))
    assert response.status_code == 302
    assert response["Location"] == reverse("config_commit", args=[world.commit.sha])


@pytest.mark.parametrize("sha", ["0000000", "zzzzzzzz", "../etc", "a", "A" * 41])
def test_unknown_or_malformed_commit_is_404(client_in, world, sha):
    assert client_in.get(f"/commits/{sha}/").status_code == 404


def test_paginated_and_bounded(client_in, world, count_queries):
    url = reverse("config_commit", args=[world.later_commit.sha])
    small = count_queries(lambda: client_in.get(url))
    factories.add_synced_components(world, 60)
    response = client_in.get(url)
    assert 'href="?ipage=2"' in response.content.decode()
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= MAX_QUERIES

"""Finding things: search over the whole justification, case-insensitive name sorting,
permalinks by component and key, clickable links in free text."""

import re

import pytest
from django.urls import reverse

from tests import factories


def deviation_ids(response) -> list[int]:
    found = re.findall(r'<th scope="row"><a href="/deviations/(\d+)/">', response.content.decode())
    return [int(pk) for pk in found]


def component_names(response) -> list[str]:
    found = r'<th scope="row"><a href="/components/([^/"]+)/">'
    return re.findall(found, response.content.decode())


@pytest.fixture
def justified(db):
    """Deviations whose only trace of a word is one place of their justification each."""
    return {
        "comment": factories.make_deviation("alpha", description="", comment="# see RHBZ-quokka"),
        "reason": factories.make_deviation("beta", description="", reason="tests need a wombat"),
        "metadata": factories.make_deviation(
            "gamma", description="", metadata={"bugs": ["https://bugs.example/numbat-7"]}
        ),
        "plain": factories.make_deviation("delta", description="nothing to see"),
    }


@pytest.mark.parametrize(
    ("word", "where"), [("quokka", "comment"), ("WOMBAT", "reason"), ("numbat", "metadata")]
)
def test_search_covers_comment_reason_and_metadata(client_in, justified, word, where):
    assert deviation_ids(client_in.get(f"/deviations/?q={word}")) == [justified[where].pk]


def test_search_in_the_api_and_csv_agrees(client_in, justified):
    api = client_in.get("/api/deviations/?q=wombat").json()
    assert [row["id"] for row in api["results"]] == [justified["reason"].pk]
    csv = b"".join(client_in.get("/exports/deviations.csv?q=wombat").streaming_content).decode()
    assert csv.count("\r\n") == 2 and "wombat" in csv


def test_component_names_sort_case_insensitively(client_in, db):
    for name in ("beta", "Alpha", "gamma", "Delta"):
        factories.make_component(name)
    assert component_names(client_in.get("/components/")) == ["Alpha", "beta", "Delta", "gamma"]
    assert component_names(client_in.get("/components/?sort=-name")) == [
        "gamma",
        "Delta",
        "beta",
        "Alpha",
    ]


def test_deviations_sort_by_component_case_insensitively(client_in, db):
    second = factories.make_deviation("beta")
    first = factories.make_deviation("Alpha")
    third = factories.make_deviation("Gamma")
    assert deviation_ids(client_in.get("/deviations/")) == [first.pk, second.pk, third.pk]


@pytest.mark.parametrize("key", ["overlay-3", "build-option:without:debug", "file/with slash", "ü"])
def test_permalink_by_component_and_key_opens_the_deviation(client_in, db, key):
    dev = factories.make_deviation("kernel", key=key)
    url = reverse("deviation_permalink", args=["kernel", key])
    assert url.startswith("/components/kernel/deviations/")
    response = client_in.get(url)
    assert response.status_code == 200
    assert response.context["d"].pk == dev.pk
    # The deviation's own page names its permalink.
    assert f'href="{url}"' in client_in.get(f"/deviations/{dev.pk}/").content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/components/kernel/deviations/overlay-9/",
        "/components/nothere/deviations/overlay-0/",
        "/components/kernel/deviations/nul%00key/",
        "/components/kernel/deviations/%2e%2e/",
        "/components/a%00b/deviations/overlay-0/",
    ],
)
def test_permalink_to_nothing_is_a_404(client_in, db, path):
    factories.make_deviation("kernel", key="overlay-0")
    assert client_in.get(path).status_code == 404


@pytest.mark.parametrize(
    ("name", "key"), [("a/b", "overlay-0"), ("kernel", "../x"), ("kernel", "a//b"), (".", "k")]
)
def test_no_path_carries_the_odd_ones_so_the_page_links_by_id(client_in, db, name, key):
    dev = factories.make_deviation(factories.make_component(name), key=key)
    page = client_in.get(f"/deviations/{dev.pk}/")
    assert page.status_code == 200
    assert f'href="/deviations/{dev.pk}/"\n      rel="bookmark"' in page.content.decode()


def test_urls_in_free_text_become_safe_links(client_in, db):
    dev = factories.make_deviation(
        "curl",
        description="Fixes https://bugzilla.redhat.com/1234, see (https://x.example/a_(b)).",
        comment="# <b>bold</b> javascript:alert(1) https://x.example/?a=1&b=<2>",
        reason='data:text/html,x http://plain.example/"quoted',
    )
    html = client_in.get(f"/deviations/{dev.pk}/").content.decode()
    link = '<a href="{0}" rel="nofollow noopener">{0}</a>'
    assert link.format("https://bugzilla.redhat.com/1234") + ", see (" in html
    assert link.format("https://x.example/a_(b)") + ")." in html
    assert link.format("https://x.example/?a=1&amp;b=") + "&lt;2&gt;" in html
    assert link.format("http://plain.example/") + "&quot;quoted" in html
    assert "&lt;b&gt;bold&lt;/b&gt; javascript:alert(1)" in html
    assert 'href="javascript' not in html and 'href="data' not in html

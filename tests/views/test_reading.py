"""Reading diffs and long lists: side by side or unified (remembered), changed words marked,
folded deviation cards, page jump and page size, the phone's filter button."""

import re

import pytest

from deviations.web.templatetags import azl_diff
from tests import factories

DIFF = """\
--- a/foo.spec
+++ b/foo.spec
@@ -1,5 +1,5 @@
 Name: foo
-Version: 1.2 <script>x</script>
+Version: 1.3 <script>x</script>
-Release: gone entirely
 %build
+%check added
"""


def test_changed_words_are_marked_and_escaped():
    html = azl_diff.render_files(azl_diff.parse(DIFF))
    assert "1.<mark>2</mark> &lt;script&gt;x&lt;/script&gt;" in html
    assert "1.<mark>3</mark> &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html
    # A removed line facing no added line, and an unlike pair, get no marks.
    assert "gone entirely</td>" in html
    assert html.count("<mark>") == 2


def test_unlike_lines_are_not_marked_word_by_word():
    old, new = azl_diff._changed_ranges("alpha beta gamma", "one two three four")
    assert (old, new) == ([], [])
    old, new = azl_diff._changed_ranges("x = 1", "x = 2")
    assert (old, new) == ([(4, 5)], [(4, 5)])


def test_side_by_side_pairs_removed_and_added_lines():
    html = azl_diff.render_files(azl_diff.parse(DIFF), layout="split")
    rows = re.findall(r"<tr class=\"(\w+)\">(.*?)</tr>", html)
    rows = [(kind, cells) for kind, cells in rows if kind not in ("file", "hunk")]
    kinds = [kind for kind, _ in rows]
    assert kinds == ["ctx", "change", "change", "ctx", "change"]
    first_change = rows[1][1]
    assert first_change.index("1.<mark>2</mark>") < first_change.index("1.<mark>3</mark>")
    # The lone removal faces an empty right side; the lone addition an empty left one.
    assert rows[2][1].endswith('<td class="ln gap"></td><td class="code gap"></td>')
    assert rows[4][1].startswith('<td class="ln gap"></td><td class="code gap"></td>')
    assert 'colspan="4"' in html and "table-layout" not in html


@pytest.fixture
def synced(db):
    comp = factories.make_component("curl")
    dev = factories.make_deviation(comp, effect=DIFF)
    factories.make_component_sync(comp, factories.make_sync_run(), diff=DIFF)
    return dev


def test_the_diff_layout_is_chosen_once_and_kept(client_in, synced):
    page = f"/deviations/{synced.pk}/"
    assert 'class="diff hl"' in client_in.get(page).content.decode()
    chosen = client_in.get(f"/preferences/diff/?layout=split&next={page}%23diff")
    assert chosen.status_code == 302 and chosen["Location"] == f"{page}#diff"
    assert chosen.cookies["azl_diff"].value == "split"
    # Every later page shows diffs side by side, the component page's too.
    assert 'class="diff hl split"' in client_in.get(page).content.decode()
    assert 'class="diff hl split"' in client_in.get("/components/curl/").content.decode()
    client_in.get(f"/preferences/diff/?layout=unified&next={page}")
    assert 'class="diff hl split"' not in client_in.get(page).content.decode()


def test_the_layout_switch_goes_back_only_within_the_site(client_in, db):
    response = client_in.get("/preferences/diff/?layout=split&next=https://evil.example/")
    assert response["Location"] == "/"


def test_the_switch_links_back_to_the_same_place(client_in, synced):
    html = client_in.get(f"/deviations/{synced.pk}/?x=1").content.decode()
    assert "/preferences/diff/?layout=split&amp;next=/deviations/" in html
    assert f"next=/deviations/{synced.pk}/%3Fx%3D1%23diff" in html


def test_cards_fold_on_a_long_component_page(client_in, db):
    comp = factories.make_component("kernel")
    few = factories.make_deviation(comp)
    assert '<details class="fold" open>' in client_in.get("/components/kernel/").content.decode()
    for _ in range(6):
        factories.make_deviation(comp)
    html = client_in.get("/components/kernel/").content.decode()
    assert html.count('<details class="fold">') == 7 and '<details class="fold" open>' not in html
    # Folded, a card still shows its title (a link) and its state.
    card = html[html.index(f'id="deviation-{few.pk}"') :]
    summary = card[: card.index("</summary>")]
    assert f'href="/deviations/{few.pk}/"' in summary and "state-needs-review" in summary


def rows(response) -> list[str]:
    found = r'<th scope="row"><a href="/components/([^/"]+)/">'
    return re.findall(found, response.content.decode())


def test_page_size_and_page_jump(client_in, db):
    for n in range(60):
        factories.make_component(f"pkg-{n:03d}")
    assert len(rows(client_in.get("/components/"))) == 50
    assert len(rows(client_in.get("/components/?per_page=25"))) == 25
    assert len(rows(client_in.get("/components/?per_page=100"))) == 60
    # Sizes off the menu are the list's own size, never "everything".
    assert len(rows(client_in.get("/components/?per_page=100000"))) == 50
    assert len(rows(client_in.get("/components/?per_page=-1"))) == 50
    assert rows(client_in.get("/components/?per_page=25&page=3")) == [
        f"pkg-{n:03d}" for n in range(50, 60)
    ]
    html = client_in.get("/components/?per_page=25&q=pkg&page=2").content.decode()
    # The jump form keeps the filters and the size, the size form the filters only.
    jump = html[html.index('class="page-jump"') : html.index("</form>", html.index("page-jump"))]
    assert '<input type="hidden" name="q" value="pkg">' in jump
    assert '<input type="hidden" name="per_page" value="25">' in jump
    assert 'name="page"' in jump and 'max="3"' in jump and 'value="2"' in jump
    size = html[html.index('class="per-page"') : html.index("</form>", html.index("per-page"))]
    assert '<input type="hidden" name="q" value="pkg">' in size and 'name="page"' not in size
    assert '<option value="25" selected>' in size


def test_page_forms_escape_the_query(client_in, db):
    for n in range(30):
        factories.make_component(f"pkg-{n:03d}")
    html = client_in.get("/components/?q=pkg&sort=%22><b>x").content.decode()
    assert '"><b>x' not in html


def test_the_filters_have_a_button_for_narrow_screens(client_in, db):
    html = client_in.get("/components/").content.decode()
    assert 'data-filters-toggle aria-controls="filters"' in html
    assert 'id="filters"' in html


def test_the_deviation_list_offers_its_export_with_diffs(client_in, db):
    factories.make_deviation("curl")
    html = client_in.get("/deviations/?kind=overlay&per_page=25&page=1").content.decode()
    assert 'href="/exports/deviations.csv?kind=overlay&amp;columns=diff"' in html
    assert 'href="/exports/deviations.csv?kind=overlay"' in html

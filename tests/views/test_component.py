"""The component page: upstream with links, NVR, drift, deviations, diffs, rebase, trail."""

import pytest
from django.urls import reverse

from tests import factories

MAX_QUERIES = 11  # session, user, component, sync, deviations, results, drift, trail, watch


@pytest.fixture
def world(db):
    return factories.make_world()


def page(client, name: str) -> str:
    response = client.get(reverse("component", args=[name]))
    assert response.status_code == 200
    return response.content.decode()


def test_effective_upstream_links_to_fedora_commits(client_in, world):
    html = page(client_in, "curl")
    sync = world.components["curl"].sync
    assert f'href="https://src.fedoraproject.org/rpms/curl/c/{sync.pinned_commit}"' in html
    assert f'href="https://src.fedoraproject.org/rpms/curl/c/{sync.tip_commit}"' in html
    assert "curl-1.2.3-4" in html and "curl-1.2.4-1" in html  # NVR at pin and at tip
    assert "2026-02-24T00:00:00-08:00" in html  # snapshot
    assert "3 commits" in html


def test_file_urls_are_plain_text_not_links(client_in, world):
    world.components["jq"].sync.delete()
    jq = world.components["jq"]
    run = world.sync
    sync = factories.make_component_sync(jq, run, behind=1)
    html = page(client_in, "jq")
    assert f'<code title="{sync.pinned_commit}">{sync.pinned_commit[:12]}</code>' in html
    assert "file:///tmp/distgit/jq.git/c/" not in html
    assert 'href="file:' not in html


def test_drift_timeline_lists_the_commits_since_the_pin(client_in, world):
    html = page(client_in, "curl")
    assert html.count("Rebuilt for ICU 78.") >= 3
    assert 'class="timeline"' in html
    assert "2026-01-22" in html


def test_every_deviation_with_kind_justification_and_provenance(client_in, world):
    html = page(client_in, "curl")
    dropped, added, option = world.deviations["curl"]
    for d in (dropped, added, option):
        assert f'href="{reverse("deviation", args=[d.pk])}"' in html
    assert "Drop the weak dependency on the Fedora CA bundle" in html
    assert "# Azure Linux images ship their own CA bundle." in html  # TOML comment
    assert "azl-pruning" in html and "needs-upstream-hook" in html
    assert "base/comps/curl/curl.comp.toml:3-7" in html  # file and lines
    assert f'href="{reverse("config_commit", args=[world.commit.sha])}"' in html
    assert f'href="{reverse("config_commit", args=[world.later_commit.sha])}"' in html
    assert "Ada Maintainer" in html and "Bo Reviewer" in html
    assert 'href="https://src.fedoraproject.org/rpms/curl/c/abc123"' in html
    assert 'href="javascript:' not in html  # a metadata "URL" that is not http(s)


def test_rendered_diff_is_highlighted_and_escaped(client_in, world):
    html = page(client_in, "curl")
    assert 'class="diff hl"' in html
    assert '<tr class="add">' in html and '<tr class="del">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert '<span class="gh">Provides</span>' in html  # highlighted by the RPM spec lexer
    # Per overlay: each overlay's own diff in its own section.
    for d in world.deviations["curl"][:2]:
        assert f'id="diff-{d.pk}"' in html


def test_rebase_preview_shows_what_fails_at_the_tip(client_in, world):
    html = page(client_in, "curl")
    section = html[html.index('id="rebase"') :]
    assert "tag &#x27;Recommends&#x27; not found" in section
    assert '<span class="badge verdict-failed">failed</span>' in section


def test_audit_trail_of_the_component(client_in, world):
    html = page(client_in, "curl")
    section = html[html.index('id="trail"') :]
    assert "deviation.created" in section and "component.created" in section
    assert f"{reverse('audit')}?component=curl" in section


def test_bare_local_and_unsynced_components(client_in, world):
    assert "Fedora as is: no deviations" in page(client_in, "zlib")
    factories.make_component("azurelinux-release", spec_type="local", local_spec_path="x.spec")
    html = page(client_in, "azurelinux-release")
    assert "no Fedora upstream" in html
    factories.make_component("fresh")
    assert "Not synced yet" in page(client_in, "fresh")


def test_sync_error_is_shown(client_in, world):
    assert "commit 0f3c2a1 is not on f43" in page(client_in, "jq")


def test_names_with_plus_signs(client_in, world):
    factories.make_component("dbus-c++")
    url = reverse("component", args=["dbus-c++"])
    assert url == "/components/dbus-c++/"
    assert client_in.get(url).status_code == 200


def test_plain_text_diff_download(client_in, world):
    response = client_in.get(reverse("component_diff", args=["curl"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-diff")
    assert response.content.decode().startswith("--- a/curl.spec")
    assert client_in.get(reverse("component_diff", args=["nope"])).status_code == 404


def test_query_count_does_not_grow_with_rows(client_in, world, count_queries):
    url = reverse("component", args=["curl"])
    small = count_queries(lambda: client_in.get(url))
    curl = world.components["curl"]
    for _ in range(15):
        d = factories.make_deviation(curl, run=world.run, introduced=world.commit)
        factories.make_overlay_result(d, world.sync, "pin")
        factories.make_overlay_result(d, world.sync, "tip")
    factories.record_import_events(curl, list(curl.deviations.all()))
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= MAX_QUERIES

"""The deviation page: fields, justification, provenance, verdicts, diff, versions, trail."""

import pytest
from django.urls import reverse
from django.utils import timezone

from deviations.models import DeviationVersion
from tests import factories

# With the role check every page makes (deviations.web.access), and the upstream panel's
# links and suggestions.
MAX_QUERIES = 15


@pytest.fixture
def world(db):
    return factories.make_world()


def page(client, deviation) -> str:
    response = client.get(reverse("deviation", args=[deviation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_all_fields_justification_and_provenance(client_in, world):
    d = world.deviations["curl"][0]
    html = page(client_in, d)
    for text in ("spec-remove-tag", "Recommends", "ca-certificates", d.fingerprint, d.key):
        assert text in html
    assert "# Azure Linux images ship their own CA bundle." in html
    assert "azl-pruning" in html and "needs-upstream-hook" in html
    assert "base/comps/curl/curl.comp.toml:3-7" in html
    intro = reverse("config_commit", args=[world.commit.sha])
    changed = reverse("config_commit", args=[world.later_commit.sha])
    prov = html[html.index('id="prov-h"') :]
    assert prov.index(intro) < prov.index(changed)  # introduced, then last changed


def test_verdicts_at_pin_and_tip_and_its_diff(client_in, world):
    d = world.deviations["curl"][0]
    html = page(client_in, d)
    verdicts = html[html.index('id="verdict-h"') :]
    assert "applied" in verdicts and "failed" in verdicts
    assert "tag &#x27;Recommends&#x27; not found" in verdicts
    assert f"Provides</span>: overlay-{d.pk}" in html or f"overlay-{d.pk}" in html
    assert 'class="diff hl"' in html


def test_version_history_newest_first(client_in, world):
    d = world.deviations["curl"][0]
    v2 = DeviationVersion.objects.create(
        deviation=d,
        number=2,
        content={"type": "spec-remove-tag", "tag": "Recommends"},
        description=d.description,
        config_file=d.config_file,
        fingerprint="f" * 64,
        commit=world.later_commit,
        import_run=world.run,
        created_at=timezone.now(),
    )
    d.current_version = v2
    d.save()
    html = page(client_in, d)
    versions = html[html.index('id="versions-h"') :]
    assert versions.index("Version 2") < versions.index("Version 1")
    assert "current" in versions[: versions.index("Version 1")]


def test_non_overlay_deviation_has_no_diff_of_its_own(client_in, world):
    html = page(client_in, world.deviations["curl"][2])
    assert "changes the build, not the spec text" in html


def test_review_panel_and_audit_trail(client_in, world):
    d = world.deviations["curl"][0]
    html = page(client_in, d)
    assert 'id="review"' in html and "needs review" in html
    trail = html[html.index('id="trail-h"') :]
    assert "deviation.created" in trail
    assert f"object_type=deviation&amp;object_id={d.pk}" in trail


def test_unknown_deviation_is_404(client_in, world):
    assert client_in.get(reverse("deviation", args=[999999])).status_code == 404


def test_query_count_does_not_grow_with_history(client_in, world, count_queries):
    d = world.deviations["curl"][0]
    url = reverse("deviation", args=[d.pk])
    small = count_queries(lambda: client_in.get(url))
    for n in range(2, 12):
        DeviationVersion.objects.create(
            deviation=d,
            number=n,
            content={"n": n},
            config_file=d.config_file,
            fingerprint=f"{n:064d}",
            commit=world.commit,
            import_run=world.run,
            created_at=timezone.now(),
        )
    factories.record_import_events(d.component, [d] * 10)
    large = count_queries(lambda: client_in.get(url))
    assert small == large <= MAX_QUERIES

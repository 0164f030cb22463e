"""A deviation that leaves the config and comes back: recorded runs, events, four eyes.

The synthetic history reproduces the real case of hwloc, automake and meson: the
distro default defined `rhel` for every component, a refactoring commit dropped it,
and a later pull request set it again for one component.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from deviations.domain import audit, reviews
from deviations.domain.importer import import_config
from deviations.domain.permissions import REVIEWER
from deviations.models import AuditEvent, Deviation, DeviationLife, Origin
from tests import factories
from tests.factories import MINIMAL_CONFIG, ConfigRepo

pytestmark = pytest.mark.django_db

DEFINE = "build-option:define:rhel"


def distro(defines: str) -> dict[str, str]:
    block = f"[distros.azl.versions.1.default-component-config.build]\n{defines}\n"
    return {"distro/azl.toml": MINIMAL_CONFIG["distro/azl.toml"] + (block if defines else "")}


@pytest.fixture
def history(tmp_path):
    repo = ConfigRepo(tmp_path / "config")
    c = {
        "refactor": repo.commit(
            {
                **MINIMAL_CONFIG,
                **distro('defines = { rhel = "10" }'),
                "comps/x/x.comp.toml": "[components.x]\n",
            },
            "refactor: one distro default",
            who="Rey",
        ),
        "pure": repo.commit(distro(""), "chore: do not define rhel", who="Tobi"),
        "back": repo.commit(
            {"comps/x/x.comp.toml": '[components.x]\nbuild = { defines = { rhel = "10" } }\n'},
            "fix(x): set rhel=10",
            who="Chris",
        ),
    }
    return repo, c


def define() -> Deviation:
    return Deviation.objects.select_related("introduced_commit", "changed_commit").get(
        component__name="x", key=DEFINE
    )


def runs(deviation: Deviation) -> list[tuple[str, str, str, int]]:
    return [
        (r.introduced_commit.sha, r.changed_commit.sha, r.removed_commit.sha, r.number)
        for r in deviation.earlier_lives.select_related(
            "introduced_commit", "changed_commit", "removed_commit"
        )
    ]


def test_the_run_that_came_back_is_recorded_with_the_earlier_one(history):
    repo, c = history
    run = import_config(repo.path, ref="HEAD").run
    rhel = define()
    assert (rhel.introduced_commit.sha, rhel.introduced_commit.author_name) == (c["back"], "Chris")
    assert rhel.changed_commit.sha == c["back"]
    assert runs(rhel) == [(c["refactor"], c["refactor"], c["pure"], 1)]
    event = AuditEvent.objects.get(
        actor_label=f"import #{run.pk}", action="deviation.created", object_id=str(rhel.pk)
    )
    assert event.after["introduced_commit"] == c["back"]
    assert event.after["earlier_lives"] == [
        {
            "introduced_commit": c["refactor"],
            "changed_commit": c["refactor"],
            "removed_commit": c["pure"],
        }
    ]
    # The bare component has no deviation at the tip, so none is recorded for it.
    assert not Deviation.objects.filter(component__name="bare").exists()
    assert import_config(repo.path, ref="HEAD").run is None  # nothing changed: nothing written
    assert audit.verify().ok


def test_importing_before_and_after_the_return_moves_the_provenance(history):
    repo, c = history
    import_config(repo.path, ref=c["refactor"])
    assert define().introduced_commit.sha == c["refactor"]
    removed = import_config(repo.path, ref=c["pure"]).run
    assert define().removed
    assert (
        AuditEvent.objects.filter(
            actor_label=f"import #{removed.pk}", action="deviation.removed"
        ).count()
        == 2
    )  # x's and bare's
    back = import_config(repo.path, ref=c["back"]).run
    rhel = define()
    assert not rhel.removed and rhel.introduced_commit.sha == c["back"]
    assert runs(rhel) == [(c["refactor"], c["refactor"], c["pure"], 1)]
    event = AuditEvent.objects.get(actor_label=f"import #{back.pk}", action="deviation.restored")
    assert event.after["introduced_commit"] == c["back"]
    assert event.after["earlier_lives"][0]["removed_commit"] == c["pure"]
    assert DeviationLife.objects.count() == 1


def test_a_walk_that_finds_a_new_earlier_run_is_a_provenance_event(history, tmp_path):
    """A folder import knows no runs; the next import from git records them, audited."""
    repo, c = history
    import_config(repo.path)  # the folder as it is on disk: no provenance
    assert runs(define()) == [] and define().introduced_commit is None
    run = import_config(repo.path, ref="HEAD").run
    event = AuditEvent.objects.get(actor_label=f"import #{run.pk}", action="deviation.provenance")
    assert event.before == {"introduced_commit": None, "changed_commit": None, "earlier_lives": []}
    assert event.after["introduced_commit"] == c["back"]
    assert [r["introduced_commit"] for r in event.after["earlier_lives"]] == [c["refactor"]]
    assert runs(define()) == [(c["refactor"], c["refactor"], c["pure"], 1)]


def test_four_eyes_asks_who_brought_the_current_run_in(history):
    repo, _ = history
    import_config(repo.path, ref="HEAD")
    rey = factories.make_user(
        "rey", roles=[REVIEWER], email="rey@example.org"
    )  # wrote the earlier run
    chris = factories.make_user(
        "chris", roles=[REVIEWER], email="chris@example.org"
    )  # brought it back
    dev = define()
    seen = reviews.seen_now(dev)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        reviews.decide(audit.Actor.for_user(chris, Origin.WEB), dev, "approved", seen=seen)
    review = reviews.decide(audit.Actor.for_user(rey, Origin.WEB), dev, "approved", seen=seen)
    assert review.decision == "approved"


def test_the_page_and_the_api_show_the_earlier_runs(history, client, viewer):
    repo, c = history
    import_config(repo.path, ref="HEAD")
    rhel = define()
    client.force_login(viewer)
    html = client.get(reverse("deviation", args=[rhel.pk])).content.decode()
    provenance = html[html.index('id="prov-h"') : html.index('id="verdict-h"')]
    assert "back in the config after 1 earlier run" in provenance
    assert "Earlier runs" in provenance
    runs_html = provenance[provenance.index("earlier-lives") :]
    assert runs_html.index(c["refactor"][:12]) < runs_html.index("removed by")
    assert runs_html.index("removed by") < runs_html.index(c["pure"][:12])
    assert "chore: do not define rhel" in runs_html and "by Tobi" in runs_html
    data = client.get(f"/api/deviations/{rhel.pk}/").json()
    assert data["introduced_commit"]["author_name"] == "Chris"
    (run,) = data["earlier_lives"]
    assert run["number"] == 1
    assert [run[k]["sha"] for k in ("introduced_commit", "changed_commit", "removed_commit")] == [
        c["refactor"],
        c["refactor"],
        c["pure"],
    ]
    assert run["removed_commit"]["subject"] == "chore: do not define rhel"

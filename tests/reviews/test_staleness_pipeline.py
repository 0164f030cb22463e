"""Approvals lapse through the real pipeline: a config re-import, and a sync that renders
a different diff.  Uses the demo config (copied, then edited) and the demo's fake Fedora
repositories, like `manage.py demo`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deviations.demo.scripts import upstream_builder
from deviations.domain import audit, reviews
from deviations.domain.importer import import_config
from deviations.domain.permissions import REVIEWER
from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import AuditEvent, Deviation, Origin, ReviewState
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_repos(tmp_path_factory):
    return upstream_builder().build(tmp_path_factory.mktemp("demo-distgit"))


def sync_request(demo_repos) -> SyncRequest:
    return SyncRequest(
        base_uri=demo_repos["url_template"], lookaside_base_uri=demo_repos["lookaside_template"]
    )


@pytest.fixture
def config(tmp_path):
    copy = tmp_path / "config"
    shutil.copytree(ROOT / "demo" / "config", copy)
    return copy


def load(config, tmp_path):
    return import_config(config, cache_dir=tmp_path / "cache")


def chrony(key):
    return Deviation.objects.get(component__name="chrony", key=key)


def approve(dev):
    rita = factories.make_user("rita", roles=[REVIEWER])
    return reviews.decide(
        audit.Actor.for_user(rita, Origin.WEB), dev, "approved", seen=reviews.seen_now(dev)
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_an_approval_lapses_when_a_reimport_changes_what_the_overlay_does(config, tmp_path):
    load(config, tmp_path)
    summary = chrony("overlay-2")
    approve(summary)
    comp = config / "base" / "comps" / "chrony" / "chrony.comp.toml"

    # Only the justification changes: a new version, but what it does is the same.
    edit(comp, "Mention the Azure time service", "Name the Azure time service")
    load(config, tmp_path)
    summary.refresh_from_db()
    assert summary.versions.count() == 2
    assert summary.review_state == ReviewState.APPROVED

    # What it does changes: the approval lapses, with an event saying why.
    edit(comp, "configured for the Azure time service", "set up for Azure time")
    result = load(config, tmp_path)
    summary.refresh_from_db()
    assert summary.review_state == ReviewState.STALE
    assert result.stale == 1
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    assert lapsed.actor_label == f"import #{result.run.pk}"
    assert lapsed.after["reason"].startswith(f"Its content changed (import #{result.run.pk})")
    assert chrony("overlay-1").review_state == ReviewState.NEEDS_REVIEW

    since = reviews.changes_since_decision(summary)
    assert since.content_changed and not since.effect_changed
    assert '-    "value": "An NTP client/server, configured for the Azure time service"' in (
        since.content_diff
    )
    assert '+    "value": "An NTP client/server, set up for Azure time"' in since.content_diff
    assert audit.verify().ok


def test_an_approval_lapses_when_a_sync_renders_a_different_diff(config, demo_repos, tmp_path):
    load(config, tmp_path)
    start_sync(sync_request(demo_repos))
    summary = chrony("overlay-2")
    assert summary.effect_hash and summary.verdict_at_pin == "applied"
    review = approve(summary)
    assert "+Summary: An NTP client/server, configured for the Azure time service" in (
        review.effect_diff
    )

    # Azure Linux pins chrony to its first Fedora commit (4.6.1): the overlay itself is
    # unchanged, so the re-import keeps the approval ...
    first = subprocess.run(
        ["git", "-C", demo_repos["repositories"]["chrony"]["path"], "rev-list", "--reverse", "f43"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    edit(
        config / "base" / "comps" / "chrony" / "chrony.comp.toml",
        "[components.chrony]\n",
        f'[components.chrony]\nspec = {{ type = "upstream", upstream-commit = "{first}" }}\n',
    )
    load(config, tmp_path)
    summary.refresh_from_db()
    assert summary.review_state == ReviewState.APPROVED

    # ... but the sync renders it against another spec: its own diff differs, and it lapses.
    run = start_sync(sync_request(demo_repos))
    summary.refresh_from_db()
    assert summary.effect_hash != review.effect_hash
    assert summary.review_state == ReviewState.STALE
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    assert lapsed.actor_label == f"sync #{run.pk}"
    assert "rendered effect at the pinned upstream commit changed" in lapsed.after["reason"]

    since = reviews.changes_since_decision(summary)
    assert since.effect_changed and not since.content_changed
    assert since.effect_diff.startswith("--- effect decided on\n+++ effect now\n")
    assert audit.verify().ok

"""The demo config synced against the demo's fake Fedora repositories: every scenario.

This keeps demo/config and demo/upstream consistent (pins and backport commits refer to
commit ids of the built repositories) and shows each thing the sync reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deviations.demo.scripts import upstream_builder
from deviations.domain.importer import import_config
from deviations.domain.sync import SyncRequest, start_sync
from deviations.domain.sync.report import drift_rows
from deviations.models import (
    AuditEvent,
    ComponentSync,
    Deviation,
    DriftCommit,
    OverlayResult,
    SyncRunIssue,
)

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_repos(tmp_path_factory):
    return upstream_builder().build(tmp_path_factory.mktemp("demo") / "distgit")  # + ../lookaside


@pytest.fixture
def synced(demo_repos, tmp_path):
    import_config(ROOT / "demo" / "config", cache_dir=tmp_path / "cache")
    run = start_sync(
        SyncRequest(
            base_uri=demo_repos["url_template"],
            lookaside_base_uri=demo_repos["lookaside_template"],
        )
    )
    return run, demo_repos["repositories"]


def overlays(name: str) -> dict[str, Deviation]:
    return {d.key: d for d in Deviation.objects.filter(component__name=name, kind="overlay")}


def state(name: str) -> ComponentSync:
    return ComponentSync.objects.get(component__name=name)


def test_every_overlay_applies_at_the_pin(synced):
    run, _ = synced
    assert run.status == "succeeded"
    assert not Deviation.objects.filter(kind="overlay", verdict_at_pin="failed").exists()
    assert not ComponentSync.objects.filter(render_ok=False).exists()
    assert {(i.component_name, i.kind) for i in SyncRunIssue.objects.filter(run=run)} == {
        ("which", "repo-missing")
    }


def test_drift_scenarios(synced):
    chrony = state("chrony")
    assert (chrony.commits_behind, chrony.failing_at_tip) == (2, 1)
    assert overlays("chrony")["overlay-1"].verdict_at_tip == "failed"
    tip_result = OverlayResult.objects.get(deviation=overlays("chrony")["overlay-1"], target="tip")
    assert "failed" in tip_result.message
    curl = state("curl")
    assert (curl.version_at_pin, curl.version_at_tip, curl.release_at_tip) == (
        "8.15.0",
        "8.16.0",
        "1",
    )
    assert list(
        DriftCommit.objects.filter(component__name="curl")
        .order_by("position")
        .values_list("subject", flat=True)
    ) == ["Rebuilt for openssl 3.5.5", "Update to 8.16.0 (rhbz#2413350)"]
    zstd = overlays("zstd")["overlay-2"]
    assert (zstd.verdict_at_pin, zstd.verdict_at_tip, zstd.obsolete) == ("applied", "no-op", False)
    assert state("zstd").noop_at_tip == 1
    rows = {r["component"]: r for r in drift_rows(["chrony", "zstd", "nano"])}
    assert rows["chrony"]["failing_at_tip"] == [
        "overlay-1 file-search-replace: Use the Azure time service instead of the Fedora NTP pool"
    ]
    assert rows["zstd"]["noop_at_tip"][0].startswith("overlay-2 spec-set-tag: ")
    assert len(rows["nano"]["obsolete_candidates"]) == 2


def test_obsolete_backport_and_pins(synced):
    _, repos = synced
    nano = overlays("nano")
    fix = repos["nano"]["commits"]["02-fix-crash-on-resize"]
    assert nano["overlay-1"].obsolete and nano["overlay-2"].obsolete
    assert f"backported Fedora commit {fix[:12]}" in nano["overlay-1"].obsolete_reason
    assert not nano["overlay-3"].obsolete
    assert state("nano").obsolete_count == 2
    jq = state("jq")
    assert jq.pinned_commit == repos["jq"]["commits"]["03-update-1.8.1"]
    assert (jq.commits_behind, jq.version_at_pin) == (1, "1.8.1")
    bash = state("bash")
    assert (bash.branch, bash.pinned_commit) == (
        "rawhide",
        repos["bash"]["commits"]["02-heredoc-crash"],
    )
    assert bash.version_at_tip == "5.3.3"
    rpm_config = state("azurelinux-rpm-config")
    assert rpm_config.dist_git_url.endswith("/redhat-rpm-config.git")
    assert "+%global _vendor azurelinux" in rpm_config.rendered_diff
    assert state("which").error_kind == "repo-missing"


def test_local_spec_is_the_whole_deviation(synced):
    release = state("azurelinux-release")
    assert release.pinned_commit == "" and release.commits_behind is None
    assert release.rendered_diff.startswith("--- /dev/null\n+++ b/azurelinux-release.spec\n")
    assert (release.version_at_pin, release.release_at_pin) == ("4.0", "1")
    local = Deviation.objects.get(component__name="azurelinux-release", kind="local-spec")
    assert local.verdict_at_pin == "applied" and len(local.effect_hash) == 64
    assert OverlayResult.objects.get(deviation=local, target="pin").diff == release.rendered_diff


def test_each_overlay_has_its_own_diff_and_effect(synced):
    curl = overlays("curl")
    removed = OverlayResult.objects.get(deviation=curl["overlay-1"], target="pin")
    assert "-Recommends:     ca-certificates" in removed.diff
    assert "+BuildRequires: azurelinux-rpm-config" not in removed.diff
    added = OverlayResult.objects.get(deviation=curl["overlay-2"], target="pin")
    assert "+BuildRequires: azurelinux-rpm-config" in added.diff
    assert len({d.effect_hash for d in curl.values()}) == 3
    assert all(r.upstream_commit == state("curl").pinned_commit for r in (removed, added))
    events = AuditEvent.objects.filter(action="sync.deviation.changed", component_name="curl")
    assert events.count() == 3


def test_archive_overlays_edit_the_tarball_from_the_lookaside(synced, demo_repos):
    packed = demo_repos["tarballs"]["yara"]["yara-4.5.4.tar.xz"]
    assert packed["mismatch"] == []  # the bytes `sources` names, on this machine too
    yara = overlays("yara")
    assert {(d.verdict_at_pin, d.verdict_at_tip) for d in yara.values()} == {("applied", "applied")}
    strip = OverlayResult.objects.get(deviation=yara["overlay-1"], target="pin")
    assert strip.diff == (
        "Binary files a/yara-4.5.4.tar.xz/tests/data/pe-sample.bin and /dev/null differ\n"
    )
    unlist = OverlayResult.objects.get(deviation=yara["overlay-2"], target="pin")
    assert "+TEST_SAMPLES = tests/data/plain.txt" in unlist.diff
    assert len(strip.archive_sha256) == 64 and unlist.archive_sha256 == strip.archive_sha256
    # The config's post-overlay hash is right (a stale one would be an issue and an error).
    sync = state("yara")
    assert (sync.error_kind, sync.commits_behind, sync.release_at_tip) == ("", 1, "2")
    assert "Binary files a/yara-4.5.4.tar.xz and b/yara-4.5.4.tar.xz differ" in (sync.rendered_diff)

"""Overlays in the sync: verdicts at pin and tip, obsolete candidates, staleness, inputs."""

import hashlib

import pytest

from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import (
    AuditEvent,
    ComponentSync,
    OverlayResult,
    ReviewState,
    SyncRunIssue,
)
from tests import factories
from tests.factories import bare_git, spec_text

pytestmark = pytest.mark.django_db(transaction=True)

CONF = "pool 2.fedora.pool.ntp.org iburst\nmakestep 1.0 3\n"


def sync(upstream, **kwargs):
    return start_sync(SyncRequest(base_uri=upstream.template, **kwargs))


def chrony_repo(upstream):
    repo = upstream.repo("chrony")
    vendor = "Vendor: Fedora Project\n"
    files = {"chrony.spec": spec_text("chrony", "4.6", extra_preamble=vendor), "chrony.conf": CONF}
    repo.commit("f43", files, "Initial import", "2025-11-01T12:00:00Z")
    update = spec_text("chrony", "4.7", extra_preamble=vendor)
    repo.commit("f43", {"chrony.spec": update}, "Update", "2026-01-15")
    return repo


REPLACE_POOL = {
    "type": "file-search-replace",
    "file": "chrony.conf",
    "regex": "(?m)^pool 2\\.fedora\\.pool\\.ntp\\.org iburst$",
    "replacement": "pool time.azurelinux.example iburst",
}
SUMMARY = {"type": "spec-set-tag", "tag": "Summary", "value": "Azure time client"}


def test_verdicts_diffs_and_rebase_preview(upstream):
    repo = chrony_repo(upstream)
    chrony = factories.make_component("chrony")
    pool = factories.add_overlay(chrony, 1, REPLACE_POOL, description="Use the Azure time service")
    summary = factories.add_overlay(chrony, 2, SUMMARY)
    # After the snapshot Fedora changes the pool line: the first overlay cannot apply there.
    repo.commit(
        "f43", {"chrony.conf": CONF.replace("iburst", "iburst maxsources 4")}, "Pool", "2026-04-01"
    )

    run = sync(upstream)

    state = ComponentSync.objects.get()
    assert (state.render_ok, state.failing_at_pin, state.failing_at_tip) == (True, 0, 1)
    assert "-pool 2.fedora.pool.ntp.org iburst" in state.rendered_diff
    assert "+Summary: Azure time client" in state.rendered_diff
    pool.refresh_from_db()
    summary.refresh_from_db()
    assert (pool.verdict_at_pin, pool.verdict_at_tip) == ("applied", "failed")
    assert (summary.verdict_at_pin, summary.verdict_at_tip) == ("applied", "applied")
    own = OverlayResult.objects.get(deviation=pool, target="pin")
    assert own.diff.startswith("--- a/chrony.conf\n+++ b/chrony.conf\n")
    assert "Summary" not in own.diff
    assert own.upstream_commit == state.pinned_commit
    assert own.effect_hash == pool.effect_hash
    assert pool.effect_hash == hashlib.sha256(f"applied\n{own.diff}".encode()).hexdigest()
    at_tip = OverlayResult.objects.get(deviation=pool, target="tip")
    assert (at_tip.verdict, at_tip.upstream_commit, at_tip.diff) == ("failed", repo.tip("f43"), "")
    assert "failed" in at_tip.message
    assert not SyncRunIssue.objects.filter(run=run).exists()  # failing at the tip is a preview


def test_failing_at_the_pin_is_a_recorded_problem(upstream):
    chrony_repo(upstream)
    chrony = factories.make_component("chrony")
    broken = factories.add_overlay(chrony, 1, {**REPLACE_POOL, "regex": "^server nowhere$"})
    run = sync(upstream)
    state = ComponentSync.objects.get()
    assert (state.render_ok, state.failing_at_pin) == (False, 1)
    issue = SyncRunIssue.objects.get(run=run)
    assert issue.kind == "overlay-failed" and "overlay 1" in issue.message
    broken.refresh_from_db()
    assert broken.verdict_at_pin == "failed"
    # Nothing changed: the re-sync skips it but still lists the problem.
    again = sync(upstream)
    assert (again.skipped, again.errors) == (1, 1)
    assert SyncRunIssue.objects.get(run=again).kind == "overlay-failed"


def test_noop_at_the_pin_is_an_obsolete_candidate(upstream):
    chrony_repo(upstream)
    chrony = factories.make_component("chrony")
    same = factories.add_overlay(
        chrony, 1, {"type": "spec-set-tag", "tag": "Vendor", "value": "Fedora Project"}
    )
    sync(upstream)
    same.refresh_from_db()
    assert (same.verdict_at_pin, same.obsolete) == ("no-op", True)
    assert "no-op at the pinned commit" in same.obsolete_reason
    assert ComponentSync.objects.get().obsolete_count == 1


def test_backport_already_in_the_pinned_history(upstream):
    repo = chrony_repo(upstream)
    fix = bare_git(repo.path, "rev-parse", "f43~1").strip()
    chrony = factories.make_component("chrony")
    meta = {"category": "upstream-backport", "upstream-status": "upstreamed"}
    in_history = factories.add_overlay(
        chrony,
        1,
        SUMMARY,
        metadata={
            **meta,
            "commits": [
                {"url": f"https://src.fedoraproject.org/rpms/chrony/c/{fix[:7]}?branch=f43"}
            ],
        },
    )
    elsewhere = factories.add_overlay(
        chrony,
        2,
        REPLACE_POOL,
        metadata={
            **meta,
            "commits": [{"url": f"https://src.fedoraproject.org/rpms/other/c/{fix}"}],
        },
    )
    later = repo.commit("f43", {"chrony.spec": spec_text("chrony", "4.8")}, "Update", "2026-04-01")
    not_yet = factories.add_overlay(
        chrony,
        3,
        {"type": "spec-set-tag", "tag": "URL", "value": "https://example.org"},
        metadata={
            **meta,
            "commits": [{"url": f"https://src.fedoraproject.org/rpms/chrony/c/{later}"}],
        },
    )
    sync(upstream)
    for dev in (in_history, elsewhere, not_yet):
        dev.refresh_from_db()
    assert in_history.obsolete
    assert f"Fedora commit {fix[:12]}" in in_history.obsolete_reason
    assert not elsewhere.obsolete  # another package's commit proves nothing here
    assert not not_yet.obsolete  # after the pin


def test_changed_effect_makes_an_approval_stale(upstream):
    repo = chrony_repo(upstream)
    shas = bare_git(repo.path, "rev-list", "--reverse", "f43").split()
    chrony = factories.make_component("chrony", upstream_commit=shas[0])
    summary = factories.add_overlay(
        chrony, 1, {"type": "spec-update-tag", "tag": "Version", "value": "9"}
    )
    sync(upstream)
    summary.refresh_from_db()
    factories.recorded_approval(summary, factories.make_user("rev"))
    first_effect = summary.effect_hash

    # Azure Linux moves the pin: the overlay now replaces 4.7 instead of 4.6.
    chrony.upstream_commit = shas[1]
    chrony.save()
    run = sync(upstream)

    summary.refresh_from_db()
    assert summary.effect_hash != first_effect
    assert summary.review_state == ReviewState.STALE
    lapsed = AuditEvent.objects.get(action="review.lapsed")
    assert lapsed.actor_label == f"sync #{run.pk}"
    assert "rendered effect" in lapsed.after["reason"]
    assert f"sync #{run.pk}" in lapsed.after["reason"]
    changed = AuditEvent.objects.filter(
        action="sync.deviation.changed", object_id=str(summary.pk)
    ).order_by("seq")
    assert changed.count() == 2
    assert changed.last().before["effect_hash"] == first_effect
    assert changed.last().seq < lapsed.seq


def test_new_overlay_version_is_rendered_without_upstream_change(upstream):
    chrony_repo(upstream)
    chrony = factories.make_component("chrony")
    summary = factories.add_overlay(chrony, 1, SUMMARY)
    sync(upstream)
    new = factories.add_version(summary, {**SUMMARY, "value": "Another summary"}).current_version
    run = sync(upstream)
    assert run.changed == 1
    result = OverlayResult.objects.get(deviation=summary, target="pin")
    assert result.version_id == new.pk
    assert "+Summary: Another summary" in result.diff


def test_sources_come_from_the_imported_tree_and_are_checked(upstream, tmp_path):
    chrony_repo(upstream)
    root = tmp_path / "config"
    (root / "base" / "comps" / "chrony").mkdir(parents=True)
    (root / "azldev.toml").write_text("")
    patch = root / "base" / "comps" / "chrony" / "azl.patch"
    patch.write_bytes(b"--- a/x\n+++ b/x\n")
    chrony = factories.make_component("chrony")
    content = {
        "type": "patch-add",
        "source": "azl.patch",
        "sha256": hashlib.sha256(patch.read_bytes()).hexdigest(),
    }
    added = factories.add_overlay(chrony, 1, content, run=factories.make_import_run(str(root)))
    sync(upstream)
    added.refresh_from_db()
    assert added.verdict_at_pin == "applied"
    assert "+++ b/azl.patch" in ComponentSync.objects.get().rendered_diff

    # Edited after the import: reported, not used; the upstream state is still recorded.
    patch.write_bytes(b"--- a/x\n+++ b/x\n+changed\n")
    ComponentSync.objects.update(input_fingerprint="x")  # as after any input change
    run = sync(upstream)
    state = ComponentSync.objects.get()
    assert state.error_kind == "config-changed"
    assert "changed since the config was imported" in state.error
    assert state.tip_commit
    assert SyncRunIssue.objects.get(run=run).kind == "config-changed"


def test_local_spec_with_an_overlay(upstream, tmp_path):
    root = tmp_path / "config"
    folder = root / "base" / "comps" / "azl-tools"
    folder.mkdir(parents=True)
    spec = folder / "azl-tools.spec"
    spec.write_bytes(b"Name: azl-tools\nVersion: 2.0\nRelease: 3%{?dist}\nVendor: Azure Linux")
    component = factories.make_component(
        "azl-tools",
        spec_type="local",
        dist_git_url="",
        local_spec_path="base/comps/azl-tools/azl-tools.spec",
        config_file="base/comps/azl-tools/azl-tools.comp.toml",
    )
    sha = hashlib.sha256(spec.read_bytes()).hexdigest()
    local = factories.make_deviation(
        component,
        key="local-spec",
        content={"spec": {"type": "local", "path": "azl-tools.spec"}, "sha256": sha},
        kind="local-spec",
        run=factories.make_import_run(str(root)),
    )
    tag = factories.add_overlay(
        component,
        1,
        {"type": "spec-set-tag", "tag": "Vendor", "value": "Microsoft"},
        run=factories.make_import_run(str(root)),
    )
    run = sync(upstream)
    assert list(SyncRunIssue.objects.filter(run=run).values_list("message", flat=True)) == []
    state = ComponentSync.objects.get()
    assert (state.pinned_commit, state.version_at_pin, state.release_at_pin) == ("", "2.0", "3")
    assert state.rendered_diff.startswith("--- /dev/null\n+++ b/azl-tools.spec\n")
    assert "+Vendor: Microsoft" in state.rendered_diff
    whole = OverlayResult.objects.get(deviation=local, target="pin")
    assert whole.diff.endswith("+Vendor: Azure Linux\n\\ No newline at end of file\n")
    tag.refresh_from_db()
    assert (tag.verdict_at_pin, tag.verdict_at_tip) == ("applied", "applied")
    assert sync(upstream).skipped == 1


def test_a_pin_the_snapshot_selects_anyway_is_an_obsolete_candidate(upstream):
    repo = upstream.standard("jq", drift=2)
    shas = bare_git(repo.path, "rev-list", "--reverse", "f43").split()  # the snapshot selects [1]
    jq = factories.make_component("jq", upstream_commit=shas[0])
    pin = factories.make_deviation(
        jq, key="upstream-pin", content={"upstream-commit": shas[0]}, kind="upstream-pin"
    )
    sync(upstream)
    pin.refresh_from_db()
    assert ComponentSync.objects.get().pinned_commit == shas[0]
    assert (pin.obsolete, pin.obsolete_reason) == (False, "")  # it holds jq back: needed

    jq.upstream_commit = shas[1]
    jq.save()
    run = sync(upstream)
    pin.refresh_from_db()
    assert pin.obsolete
    assert pin.obsolete_reason == (
        f"the snapshot selects the same commit ({shas[1][:12]}): the upstream-commit pin "
        "changes nothing today"
    )
    event = AuditEvent.objects.filter(action="sync.deviation.changed", object_id=str(pin.pk))
    assert event.get().after == {
        "obsolete": True,
        "obsolete_reason": pin.obsolete_reason,
        "pinned_commit": shas[1],
    }
    assert event.get().actor_label == f"sync #{run.pk}"

    jq.upstream_commit = shas[3]  # ahead of the snapshot: needed again
    jq.save()
    sync(upstream)
    pin.refresh_from_db()
    assert (pin.obsolete, pin.obsolete_reason) == (False, "")

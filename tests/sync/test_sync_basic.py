"""A sync against real local repositories: what it records, and what a re-sync does not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import AuditEvent, ComponentSync, DriftCommit, SyncRun, SyncRunIssue
from tests import factories
from tests.factories import bare_git, spec_text
from tests.support import row_counts, tables_written

pytestmark = pytest.mark.django_db(transaction=True)


def sync(upstream, **kwargs):
    return start_sync(SyncRequest(base_uri=upstream.template, **kwargs))


def test_cold_sync_records_pin_tip_drift_and_versions(upstream):
    bc = upstream.standard("bc", drift=2, version="1.08")
    zlib = upstream.standard("zlib", drift=0, version="1.3.1")
    factories.make_component("bc")
    factories.make_component("zlib")

    run = sync(upstream)

    assert (run.status, run.total, run.done, run.changed, run.errors) == ("succeeded", 2, 2, 2, 0)
    assert run.options["dist_git_base_uri"] == upstream.template
    assert run.finished_at >= run.started_at
    shas = bare_git(bc.path, "rev-list", "--reverse", "f43").split()
    got = ComponentSync.objects.get(component__name="bc")
    assert got.pinned_commit == shas[1]
    assert got.tip_commit == shas[3] == bc.tip("f43")
    assert got.commits_behind == 2
    assert (got.version_at_pin, got.release_at_pin) == ("1.08", "1")
    assert (got.version_at_tip, got.release_at_tip) == ("1.08", "3")
    assert got.name_at_pin == "bc"
    assert got.dist_git_url == bc.url
    assert got.spec_file == "bc.spec"
    assert got.rendered_diff == ""  # no overlays: Azure Linux builds it as Fedora has it
    drift = list(DriftCommit.objects.filter(component__name="bc").order_by("position"))
    assert [(d.position, d.sha, d.subject) for d in drift] == [
        (1, shas[2], "Rebuilt (1)"),
        (2, shas[3], "Rebuilt (2)"),
    ]
    assert drift[0].author == "Test Packager <packager@example.org>"
    plain = ComponentSync.objects.get(component__name="zlib")
    assert plain.pinned_commit == plain.tip_commit == zlib.tip("f43")
    assert plain.commits_behind == 0
    events = AuditEvent.objects.filter(action="sync.component.changed").order_by("seq")
    assert [e.component_name for e in events] == ["bc", "zlib"]
    assert events[0].actor_label == f"sync #{run.pk}"
    assert events[0].before is None
    assert events[0].after["pinned_commit"] == shas[1]


def test_noop_resync_writes_nothing_but_the_run(upstream):
    for name in ("a1", "b2", "c3"):
        upstream.standard(name, drift=1)
        factories.make_component(name)
    sync(upstream)
    counts = row_counts()

    with CaptureQueriesContext(connection) as captured:
        run = sync(upstream)

    assert (run.status, run.changed, run.skipped, run.errors) == ("succeeded", 0, 3, 0)
    after = row_counts()
    assert after.pop("SyncRun") == counts.pop("SyncRun") + 1
    assert after == counts
    assert tables_written(captured.captured_queries) == {"deviations_syncrun"}


def test_new_upstream_commit_changes_only_that_component(upstream):
    bc = upstream.standard("bc")
    upstream.standard("zlib")
    factories.make_component("bc")
    factories.make_component("zlib")
    sync(upstream)
    before = ComponentSync.objects.get(component__name="bc")
    seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    new_tip = bc.commit("f43", {"bc.spec": spec_text("bc", "1.1")}, "Update to 1.1", "2026-04-01")
    run = sync(upstream)

    assert (run.changed, run.skipped) == (1, 1)
    after = ComponentSync.objects.get(component__name="bc")
    assert after.pinned_commit == before.pinned_commit
    assert after.tip_commit == new_tip
    assert (after.commits_behind, after.version_at_tip) == (1, "1.1")
    events = list(AuditEvent.objects.filter(seq__gt=seq))
    assert [(e.action, e.component_name) for e in events] == [("sync.component.changed", "bc")]
    assert events[0].before["tip_commit"] == before.tip_commit
    assert events[0].after["tip_commit"] == new_tip
    assert events[0].after["version_at_tip"] == "1.1"
    assert set(events[0].after) == {"tip_commit", "commits_behind", "version_at_tip"}


def test_component_selection_and_partial_runs(upstream):
    for name in ("a", "b", "c"):
        upstream.standard(name)
        factories.make_component(name)
    run = sync(upstream, components=["b"])
    assert (run.total, run.done) == (1, 1)
    assert list(ComponentSync.objects.values_list("component__name", flat=True)) == ["b"]
    assert run.options["components"] == ["b"]


def test_tracking_rawhide_uses_that_branch(upstream):
    repo = upstream.standard("bash")
    raw = repo.commit(
        "rawhide",
        {"bash.spec": spec_text("bash", "5.3.3")},
        "Update",
        "2026-03-10",
        parent=repo.tip("f43"),
    )
    factories.make_component("bash", dist_git_branch="rawhide", distro_version="rawhide")
    sync(upstream)
    got = ComponentSync.objects.get()
    assert (got.branch, got.tip_commit, got.version_at_tip, got.commits_behind) == (
        "rawhide",
        raw,
        "5.3.3",
        1,
    )


def test_upstream_name_picks_repository_and_spec(upstream):
    upstream.standard("redhat-rpm-config", version="343")
    factories.make_component("azurelinux-rpm-config", upstream_name="redhat-rpm-config")
    sync(upstream)
    got = ComponentSync.objects.get()
    assert got.dist_git_url.endswith("/redhat-rpm-config.git")
    assert (got.spec_file, got.version_at_pin) == ("redhat-rpm-config.spec", "343")


def test_without_override_the_component_url_is_used(upstream):
    repo = upstream.standard("tree")
    factories.make_component("tree", dist_git_url=repo.url)
    run = start_sync(SyncRequest())
    assert run.options["dist_git_base_uri"] is None
    assert ComponentSync.objects.get().tip_commit == repo.tip("f43")


def test_progress_is_visible_and_every_run_is_recorded(upstream):
    upstream.standard("x")
    factories.make_component("x")
    first = sync(upstream)
    second = sync(upstream)
    runs = list(SyncRun.objects.order_by("pk"))
    assert [r.pk for r in runs] == [first.pk, second.pk]
    assert all(r.done == r.total == 1 and r.heartbeat_at for r in runs)
    assert not SyncRunIssue.objects.exists()


def literal_commit(repo, author: bytes, message: bytes, when: int) -> str:
    """A commit on f43 that git itself would refuse to write (NUL in author and message)."""
    tip = repo.tip("f43")
    tree = bare_git(repo.path, "rev-parse", f"{tip}^{{tree}}").strip()
    stamp = b" %d +0000\n" % when
    body = (
        f"tree {tree}\nparent {tip}\n".encode()
        + b"author "
        + author
        + stamp
        + b"committer "
        + author
        + stamp
        + b"\n"
        + message
    )
    sha = bare_git(
        repo.path, "hash-object", "-t", "commit", "--literally", "-w", "--stdin", input=body
    ).strip()
    bare_git(repo.path, "update-ref", "refs/heads/f43", sha)
    return sha


def test_a_drift_commit_with_a_nul_is_stored_escaped(upstream):
    """PostgreSQL cannot store a NUL: the component used to fail at every sync."""
    bc = upstream.standard("bc", drift=1)
    odd = literal_commit(
        bc,
        b"Nul\x00Packager \x1b[31m <nul@example.org>",
        b"Rebuilt\x00 with a NUL and \x01\n\nbody\x00\n",
        1773000000,  # 2026-03-08, after the snapshot
    )
    factories.make_component("bc")

    run = sync(upstream)

    assert (run.status, run.errors) == ("succeeded", 0)
    drift = list(DriftCommit.objects.filter(component__name="bc"))
    assert [(d.position, d.subject) for d in drift] == [
        (1, "Rebuilt (1)"),
        (2, "Rebuilt\\x00 with a NUL and \\x01"),
    ]
    assert drift[1].sha == odd
    assert drift[1].author == "Nul\\x00Packager \\x1b[31m <nul@example.org>"
    assert ComponentSync.objects.get(component__name="bc").commits_behind == 2
    # Nothing is left to do: the next sync skips the component.
    again = sync(upstream)
    assert (again.changed, again.skipped, again.errors) == (0, 1, 0)


def test_a_spec_tag_with_a_nul_or_bytes_that_are_not_utf8_is_stored_escaped(upstream):
    """A NUL failed the whole run on PostgreSQL; a byte that is not UTF-8 (read as a
    surrogate escape) could not be encoded by either database."""
    repo = upstream.repo("bc")
    spec = spec_text("bc", "1.0").replace("Version:        1.0", "Version:        1.0\x00~x")
    repo.commit(
        "f43",
        {"bc.spec": spec.encode().replace(b"Release:        1", b"Release:        \xff1")},
        "Initial import",
        "2025-11-01T12:00:00Z",
    )
    factories.make_component("bc")

    run = sync(upstream)

    assert (run.status, run.errors) == ("succeeded", 0)
    got = ComponentSync.objects.get(component__name="bc")
    # (%{?dist} is dropped from the release, as for any spec.)
    assert (got.version_at_pin, got.release_at_pin) == ("1.0\\x00~x", "\\xff1")
    event = AuditEvent.objects.get(action="sync.component.changed")
    assert event.after["version_at_pin"] == "1.0\\x00~x"

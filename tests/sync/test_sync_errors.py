"""Per-component problems are recorded for that component, and the run goes on."""

import pytest

from deviations.core.distgit import files as files_module
from deviations.domain.sync import SyncRequest, start_sync
from deviations.models import AuditEvent, ComponentSync, SyncRunIssue
from tests import factories
from tests.factories import bare_git, spec_text

pytestmark = pytest.mark.django_db(transaction=True)


def sync(upstream, **kwargs):
    return start_sync(SyncRequest(base_uri=upstream.template, **kwargs))


def issues(run):
    return {(i.component_name, i.kind) for i in SyncRunIssue.objects.filter(run=run)}


def test_every_kind_of_broken_upstream_in_one_run(upstream):
    upstream.standard("good", drift=1)
    upstream.repo("empty")
    nospec = upstream.repo("nospec")
    nospec.commit("f43", {"README": "retired\n"}, "Retire", "2026-01-01")
    upstream.standard("nobranch")
    upstream.standard("pinned")
    for name in ("good", "empty", "nospec", "missing", "pinned"):
        factories.make_component(name)
    factories.make_component("nobranch", dist_git_branch="f99")
    factories.make_component("ghost", upstream_name="pinned", upstream_commit="0123456789abcdef")

    run = sync(upstream)

    assert (run.status, run.done, run.total) == ("succeeded", 7, 7)
    assert issues(run) == {
        ("empty", "repo-empty"),
        ("nospec", "spec-missing"),
        ("missing", "repo-missing"),
        ("nobranch", "branch-missing"),
        ("ghost", "pin-missing"),
    }
    assert run.errors == 5
    assert ComponentSync.objects.get(component__name="good").error == ""
    ghost = ComponentSync.objects.get(component__name="ghost")
    assert ghost.error_kind == "pin-missing"
    assert "upstream-commit 0123456789abcdef does not exist" in ghost.error
    assert ghost.pinned_commit == ""
    missing = SyncRunIssue.objects.get(run=run, component_name="missing")
    assert "missing.git does not exist" in missing.message
    assert missing.component.name == "missing"


def test_vanished_repository_keeps_the_last_good_state(upstream):
    repo = upstream.standard("bc", drift=1)
    upstream.standard("zlib")
    factories.make_component("bc")
    factories.make_component("zlib")
    sync(upstream)
    good = ComponentSync.objects.get(component__name="bc")

    repo.delete()
    run = sync(upstream)

    assert issues(run) == {("bc", "repo-missing")}
    now = ComponentSync.objects.get(component__name="bc")
    assert now.error_kind == "repo-missing"
    assert (now.pinned_commit, now.tip_commit, now.commits_behind) == (
        good.pinned_commit,
        good.tip_commit,
        1,
    )
    event = AuditEvent.objects.get(action="sync.component.error")
    assert event.component_name == "bc"
    assert event.after == {"error_kind": "repo-missing", "error": now.error}
    assert event.before == {"error_kind": "", "error": ""}

    # Still gone: the run lists it again, nothing else is written.
    seq = AuditEvent.objects.order_by("-seq").first().seq
    again = sync(upstream)
    assert issues(again) == {("bc", "repo-missing")}
    assert not AuditEvent.objects.filter(seq__gt=seq).exists()
    assert ComponentSync.objects.get(component__name="bc").run_id == run.pk


def test_force_pushed_branch_drops_the_pin(upstream):
    repo = upstream.standard("fuse3", drift=2)
    shas = bare_git(repo.path, "rev-list", "--reverse", "f43").split()
    factories.make_component("fuse3", upstream_commit=shas[2][:10])
    sync(upstream)
    assert ComponentSync.objects.get().pinned_commit == shas[2]

    repo.commit(
        "f43", {"fuse3.spec": spec_text("fuse3", "3.17")}, "Rewrite", "2026-04-01", parent=shas[1]
    )
    run = sync(upstream)

    assert issues(run) == {("fuse3", "pin-not-on-branch")}
    got = ComponentSync.objects.get()
    assert "is not in the history of branch 'f43'" in got.error
    assert got.pinned_commit == shas[2]  # the last good state stays visible


def test_pin_fixed_after_an_error_clears_it(upstream):
    repo = upstream.standard("jq", drift=1)
    component = factories.make_component("jq", upstream_commit="deadbeef")
    sync(upstream)
    assert ComponentSync.objects.get().error_kind == "pin-missing"
    component.upstream_commit = repo.tip("f43")
    component.save()
    run = sync(upstream)
    got = ComponentSync.objects.get()
    assert (got.error_kind, got.error, got.pinned_commit, got.commits_behind) == (
        "",
        "",
        repo.tip("f43"),
        0,
    )
    assert not issues(run)


def test_huge_spec_and_the_size_limit(upstream, monkeypatch):
    filler = "".join(f"# generated line {i:07d} {'y' * 50}\n" for i in range(100_000))
    repo = upstream.repo("huge")
    repo.commit("f43", {"huge.spec": spec_text("huge", "7.1", body=filler)}, "import", "2026-01-01")
    factories.make_component("huge")
    run = sync(upstream)
    assert not issues(run)
    assert ComponentSync.objects.get().version_at_pin == "7.1"

    monkeypatch.setattr(files_module, "SPEC_MAX_BYTES", 1_000_000)
    repo.commit("f43", {"huge.spec": spec_text("huge", "7.2", body=filler)}, "bump", "2026-01-02")
    run = sync(upstream)
    assert issues(run) == {("huge", "spec-too-large")}
    assert "more than the 1,000,000 bytes allowed" in ComponentSync.objects.get().error


def test_unsafe_urls_and_names_never_reach_git(upstream, tmp_path):
    marker = tmp_path / "pwned"
    factories.make_component("evil", dist_git_url=f"ext::sh -c touch% {marker}")
    factories.make_component("option", dist_git_url=f"--upload-pack=touch {marker}")
    factories.make_component("plain", dist_git_url="http://src.fedoraproject.org/rpms/plain.git")
    factories.make_component("escape", upstream_name="../../etc")
    run = start_sync(SyncRequest())
    assert issues(run) == {
        ("evil", "unsafe-url"),
        ("option", "unsafe-url"),
        ("plain", "unsafe-url"),
        ("escape", "bad-name"),
    }
    assert not marker.exists()
    run = sync(upstream, components=["escape"])
    assert issues(run) == {("escape", "bad-name")}


def test_bad_override_template_is_refused_before_the_run(upstream):
    from deviations.domain.sync import SyncError
    from deviations.models import SyncRun

    factories.make_component("x")
    for template in ("http://example.org/$pkg.git", "file:///srv/x.git", "ext::$pkg"):
        with pytest.raises(SyncError, match="--dist-git-base-uri"):
            start_sync(SyncRequest(base_uri=template))
    assert not SyncRun.objects.exists()

"""Bare mirrors: cloned once then fetched, safe under concurrency, clear when upstream is gone."""

import concurrent.futures
from pathlib import Path

import pytest

from deviations.core.distgit import DistGitError, ErrorKind, MirrorCache, MirrorPolicy
from deviations.core.distgit import mirror as mirror_module
from deviations.core.distgit.mirror import classify
from tests.factories import UpstreamRepo, bare_git, spec_text


@pytest.fixture
def repo(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "zlib")
    repo.commit("f43", {"zlib.spec": spec_text("zlib")}, "import", "2026-01-01T00:00:00Z")
    repo.commit("rawhide", {"zlib.spec": spec_text("zlib", "2")}, "raw", "2026-01-02T00:00:00Z")
    return repo


def test_clone_once_then_fetch(tmp_path, repo):
    cache = MirrorCache(tmp_path / "cache")
    first = cache.update(repo.url)
    assert first.cloned
    mirror = Path(first.path)
    assert mirror.parent == tmp_path / "cache"
    assert mirror.name.startswith("zlib-") and mirror.name.endswith(".git")
    assert bare_git(mirror, "config", "--get", "core.bare").strip() == "true"
    inode = (mirror / "HEAD").stat().st_ino

    new = repo.commit(
        "f43", {"zlib.spec": spec_text("zlib", "1.1")}, "bump", "2026-02-01T00:00:00Z"
    )
    assert cache.remote_tip(repo.url, "f43") == new
    second = cache.update(repo.url)
    assert not second.cloned
    assert (mirror / "HEAD").stat().st_ino == inode  # the same mirror, fetched
    assert bare_git(mirror, "rev-parse", "refs/heads/f43").strip() == new
    assert bare_git(mirror, "rev-parse", "refs/heads/rawhide").strip() == repo.tip("rawhide")
    assert bare_git(mirror, "tag", "--list") == ""


def test_deleted_branches_are_pruned(tmp_path, repo):
    cache = MirrorCache(tmp_path / "cache")
    mirror = cache.update(repo.url).path
    bare_git(repo.path, "update-ref", "-d", "refs/heads/rawhide")
    cache.update(repo.url)
    assert bare_git(mirror, "for-each-ref", "--format=%(refname)").split() == ["refs/heads/f43"]
    assert cache.remote_tip(repo.url, "rawhide") is None


def test_vanished_repository_is_a_clear_error(tmp_path, repo):
    cache = MirrorCache(tmp_path / "cache", MirrorPolicy(retries=0))
    cache.update(repo.url)
    repo.delete()
    for call in (lambda: cache.update(repo.url), lambda: cache.remote_tip(repo.url, "f43")):
        with pytest.raises(DistGitError) as caught:
            call()
        assert caught.value.kind == ErrorKind.REPO_MISSING
        assert "does not exist" in str(caught.value)
    assert cache.has(repo.url)  # the last good mirror is kept


def test_missing_repository_leaves_no_mirror_behind(tmp_path):
    cache = MirrorCache(tmp_path / "cache", MirrorPolicy(retries=0))
    url = (tmp_path / "nope.git").as_uri()
    with pytest.raises(DistGitError) as caught:
        cache.update(url)
    assert caught.value.kind == ErrorKind.REPO_MISSING
    assert not cache.has(url)
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == []


def test_concurrent_updates_of_one_repository(tmp_path, repo):
    cache = MirrorCache(tmp_path / "cache")
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: cache.update(repo.url), range(12)))
    assert sum(r.cloned for r in results) == 1
    assert len({r.path for r in results}) == 1
    assert bare_git(results[0].path, "rev-parse", "refs/heads/f43").strip() == repo.tip("f43")


def test_error_classification():
    assert classify("fatal: '/x.git' does not appear to be a git repository") == "repo-missing"
    assert classify("remote: Repository not found.") == "repo-missing"
    assert classify("fatal: unable to access 'x': Could not resolve host: y") == "fetch-failed"
    assert classify("error: RPC failed; HTTP 503") == "fetch-failed"
    assert classify("fatal: something else") == "git-failed"
    assert classify("fatal: unable to access 'x': The requested URL returned error: 404") == (
        "repo-missing"
    )


def test_numbers_outside_an_http_status_classify_nothing() -> None:
    # A mirror's folder name carries a hash of its URL: "zlib-30504a85" is not an HTTP 504.
    damaged = "fatal: not a git repository: '/cache/distgit/zlib-30504a85.git'"
    assert classify(damaged) == "git-failed"
    assert classify("error: object file /m/x-4290.git/objects/ab is empty") == "git-failed"


def test_transient_failures_are_retried_a_bounded_number_of_times(tmp_path, monkeypatch):
    calls = []

    def counting_run_git(args, **kwargs):
        calls.append(args[0])
        return mirror_module.run_git_real(args, **kwargs)

    monkeypatch.setattr(mirror_module, "run_git_real", mirror_module.run_git, raising=False)
    monkeypatch.setattr(mirror_module, "run_git", counting_run_git)
    cache = MirrorCache(tmp_path / "cache", MirrorPolicy(retries=2, backoff=0.01, timeout=5))
    # Nothing listens on port 9 of localhost: "connection refused" is transient.
    with pytest.raises(DistGitError) as caught:
        cache.update("git://127.0.0.1:9/x.git")
    assert caught.value.kind == ErrorKind.FETCH_FAILED
    assert "cloning git://127.0.0.1:9/x.git failed" in str(caught.value)
    assert calls == ["clone"] * 3

    # A missing repository is not worth retrying.
    calls.clear()
    with pytest.raises(DistGitError):
        cache.update((tmp_path / "nope.git").as_uri())
    assert calls == ["clone"]


def test_a_damaged_mirror_is_cloned_again(tmp_path, repo):
    cache = MirrorCache(tmp_path / "cache", MirrorPolicy(retries=0))
    mirror = Path(cache.update(repo.url).path)
    # Empty object files, as a crash without fsync could leave them.  (Unlink first: the
    # clone hard-linked them to upstream's, and git itself never writes in place.)
    for damaged in [*(mirror / "objects" / "pack").iterdir(), *(mirror / "objects").glob("??/*")]:
        damaged.unlink()
        damaged.write_bytes(b"")
    new = repo.commit("f43", {"zlib.spec": spec_text("zlib", "9")}, "bump", "2026-03-01T00:00:00Z")
    again = cache.update(repo.url)
    assert again.cloned
    assert bare_git(again.path, "rev-parse", "refs/heads/f43").strip() == new
    bare_git(again.path, "fsck", "--no-dangling")

"""Pin, tip and drift resolution against real repositories, checked against git itself."""

import datetime as dt

import pytest

from deviations.core.distgit import (
    DistGitError,
    ErrorKind,
    MirrorCache,
    ObjectReader,
    PinSource,
    is_ancestor,
    read_upstream,
    resolve,
)
from deviations.core.distgit import history as history_module
from tests.factories import UpstreamRepo, bare_git, spec_text

SNAPSHOT = "2026-02-24T00:00:00-08:00"
SNAPSHOT_TS = int(dt.datetime.fromisoformat(SNAPSHOT).timestamp())


def git_snapshot_pin(repo, branch):
    """What azldev runs: the reference answer."""
    return bare_git(
        repo.path, "rev-list", "-1", "--first-parent", f"--before={SNAPSHOT}", branch
    ).strip()


@pytest.fixture
def linear(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "bc")
    shas = [
        repo.commit(
            "f43", {"bc.spec": spec_text("bc", "1.07")}, "Initial import", "2025-11-01T12:00:00Z"
        ),
        repo.commit(
            "f43", {"bc.spec": spec_text("bc", "1.08")}, "Update to 1.08", "2026-01-15T12:00:00Z"
        ),
        repo.commit(
            "f43",
            {"bc.spec": spec_text("bc", "1.08", "2%{?dist}")},
            "Rebuilt",
            "2026-03-01T00:00:00Z",
        ),
        repo.commit(
            "f43",
            {"bc.spec": spec_text("bc", "1.09")},
            "Update to 1.09 (rhbz#1)",
            "2026-04-01T00:00:00Z",
        ),
    ]
    return repo, shas


def mirror_of(tmp_path, repo):
    return MirrorCache(tmp_path / "cache").update(repo.url).path


def test_snapshot_pin_tip_and_drift(tmp_path, linear):
    repo, shas = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        found = resolve(reader, "f43", snapshot=SNAPSHOT_TS)
    assert found.pin.sha == shas[1] == git_snapshot_pin(repo, "f43")
    assert found.pin_source == PinSource.SNAPSHOT
    assert found.tip.sha == shas[3]
    assert found.behind == 2
    assert [c.sha for c in found.after] == shas[2:]
    assert [c.subject for c in found.after] == ["Rebuilt", "Update to 1.09 (rhbz#1)"]
    assert found.after[0].author == "Test Packager <packager@example.org>"


def test_snapshot_uses_committer_date_like_git(tmp_path):
    """Authored before the snapshot but committed after it: not at the snapshot."""
    repo = UpstreamRepo(tmp_path / "up", "x")
    first = repo.commit("f43", {"x.spec": spec_text("x")}, "import", "2026-01-01T00:00:00Z")
    late = repo.commit(
        "f43",
        {"x.spec": spec_text("x", "2")},
        "rebased later",
        "2026-02-01T00:00:00Z",
        committed="2026-03-05T00:00:00Z",
    )
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        found = resolve(reader, "f43", snapshot=SNAPSHOT_TS)
    assert found.pin.sha == first == git_snapshot_pin(repo, "f43")
    assert [c.sha for c in found.after] == [late]


def test_snapshot_exactly_at_commit_time_is_included(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "x")
    repo.commit("f43", {"x.spec": spec_text("x")}, "import", "2026-01-01T00:00:00Z")
    at = repo.commit("f43", {"x.spec": spec_text("x", "2")}, "at", "2026-02-24T08:00:00Z")
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        assert resolve(reader, "f43", snapshot=SNAPSHOT_TS).pin.sha == at


def test_upstream_commit_short_and_full(tmp_path, linear):
    repo, shas = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        for given in (shas[2], shas[2][:8], shas[2][:12].upper()):
            found = resolve(reader, "f43", snapshot=SNAPSHOT_TS, upstream_commit=given)
            assert found.pin.sha == shas[2]
            assert found.pin_source == PinSource.UPSTREAM_COMMIT
            assert found.behind == 1


def test_no_snapshot_and_no_pin_means_tip(tmp_path, linear):
    repo, shas = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        found = resolve(reader, "f43")
    assert found.pin.sha == found.tip.sha == shas[3]
    assert (found.behind, found.after, found.pin_source) == (0, (), PinSource.TIP)


def test_pin_that_does_not_exist(tmp_path, linear):
    repo, _ = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader, pytest.raises(DistGitError) as caught:
        resolve(reader, "f43", upstream_commit="4a64708a0ecb0cc67fccaa7ddef8676cc0b4319f")
    assert caught.value.kind == ErrorKind.PIN_MISSING
    assert "4a64708a0ecb0cc67fccaa7ddef8676cc0b4319f does not exist" in str(caught.value)


def test_pin_on_another_branch_is_not_accepted(tmp_path, linear):
    repo, shas = linear
    other = repo.commit(
        "private-x",
        {"bc.spec": spec_text("bc", "9")},
        "side",
        "2026-01-20T00:00:00Z",
        parent=shas[1],
    )
    with ObjectReader(mirror_of(tmp_path, repo)) as reader, pytest.raises(DistGitError) as caught:
        resolve(reader, "f43", upstream_commit=other[:10])
    assert caught.value.kind == ErrorKind.PIN_NOT_ON_BRANCH
    assert "not in the history of branch 'f43'" in str(caught.value)


def test_force_pushed_branch_loses_the_pin(tmp_path, linear):
    repo, shas = linear
    cache = MirrorCache(tmp_path / "cache")
    with ObjectReader(cache.update(repo.url).path) as reader:
        assert resolve(reader, "f43", upstream_commit=shas[2]).pin.sha == shas[2]
    # Upstream rewrites f43 from the first commit: shas[1..3] are gone from the branch.
    new_tip = repo.commit(
        "f43",
        {"bc.spec": spec_text("bc", "2.0")},
        "Rewrite",
        "2026-03-02T00:00:00Z",
        parent=shas[0],
    )
    mirror = cache.update(repo.url).path
    assert bare_git(mirror, "rev-parse", "refs/heads/f43").strip() == new_tip
    with ObjectReader(mirror) as reader:
        with pytest.raises(DistGitError) as caught:
            resolve(reader, "f43", upstream_commit=shas[2])
        assert caught.value.kind == ErrorKind.PIN_NOT_ON_BRANCH
        # The snapshot pin simply follows the new history.
        assert resolve(reader, "f43", snapshot=SNAPSHOT_TS).pin.sha == shas[0]


def test_branch_missing_and_empty_repository(tmp_path, linear):
    repo, _ = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader, pytest.raises(DistGitError) as caught:
        resolve(reader, "f44")
    assert caught.value.kind == ErrorKind.BRANCH_MISSING
    assert "branches: f43" in str(caught.value)

    empty = UpstreamRepo(tmp_path / "up", "empty")
    mirror = MirrorCache(tmp_path / "cache").update(empty.url).path
    with ObjectReader(mirror) as reader, pytest.raises(DistGitError) as caught:
        resolve(reader, "f43", snapshot=SNAPSHOT_TS)
    assert caught.value.kind == ErrorKind.REPO_EMPTY


def test_branch_younger_than_snapshot(tmp_path):
    repo = UpstreamRepo(tmp_path / "up", "new")
    repo.commit("f43", {"new.spec": spec_text("new")}, "import", "2026-04-01T00:00:00Z")
    with ObjectReader(mirror_of(tmp_path, repo)) as reader, pytest.raises(DistGitError) as caught:
        resolve(reader, "f43", snapshot=SNAPSHOT_TS)
    assert caught.value.kind == ErrorKind.NO_COMMIT_AT_SNAPSHOT


@pytest.fixture
def merged(tmp_path):
    """f43 with a merge of a side branch forked before the snapshot."""
    repo = UpstreamRepo(tmp_path / "up", "m")
    base = repo.commit("f43", {"m.spec": spec_text("m")}, "import", "2025-12-01T00:00:00Z")
    side = repo.commit(
        "side", {"extra.patch": "x\n"}, "side work", "2026-02-20T00:00:00Z", parent=base
    )
    main = repo.commit("f43", {"m.spec": spec_text("m", "2")}, "main work", "2026-02-01T00:00:00Z")
    merge = repo.commit(
        "f43", {"extra.patch": "x\n"}, "Merge side", "2026-03-10T00:00:00Z", merge=side
    )
    after = repo.commit("f43", {"m.spec": spec_text("m", "3")}, "later", "2026-03-20T00:00:00Z")
    return repo, {"base": base, "side": side, "main": main, "merge": merge, "after": after}


def test_merges_are_answered_by_git(tmp_path, merged):
    repo, c = merged
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        found = resolve(reader, "f43", snapshot=SNAPSHOT_TS)
        assert found.pin.sha == c["main"] == git_snapshot_pin(repo, "f43")
        expected = bare_git(repo.path, "rev-list", "--reverse", "--topo-order", f"{c['main']}..f43")
        # The side commit came in with the merge, so it is drift too.
        assert [x.sha for x in found.after] == expected.split()
        assert found.behind == 3
        assert is_ancestor(reader, c["side"], found.tip)
        assert not is_ancestor(reader, c["side"], found.pin)
        pinned = resolve(reader, "f43", upstream_commit=c["side"])
        count = bare_git(repo.path, "rev-list", "--count", f"{c['side']}..f43").strip()
        assert pinned.behind == int(count) == 3  # main, the merge, later


def test_long_histories_hand_over_to_git(tmp_path, monkeypatch):
    repo = UpstreamRepo(tmp_path / "up", "long")
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    shas = [
        repo.commit(
            "f43", {"long.spec": spec_text("long", str(i))}, f"c{i}", start + dt.timedelta(days=i)
        )
        for i in range(30)
    ]
    monkeypatch.setattr(history_module, "WALK_LIMIT", 5)
    monkeypatch.setattr(history_module, "DRIFT_LIMIT", 7)
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        found = resolve(reader, "f43", snapshot=SNAPSHOT_TS)
        assert found.pin.sha == git_snapshot_pin(repo, "f43")
        assert found.pin.sha == shas[23]  # 2026-02-24T00:00Z; the snapshot is 08:00Z
        assert found.behind == 6
        pinned = resolve(reader, "f43", upstream_commit=shas[2])
        assert pinned.behind == 27
        assert [c.sha for c in pinned.after] == shas[23:30]  # the newest, exact count


def test_read_upstream_reports_versions_at_pin_and_tip(tmp_path, linear):
    repo, shas = linear
    with ObjectReader(mirror_of(tmp_path, repo)) as reader:
        state = read_upstream(reader, "f43", "bc", snapshot=SNAPSHOT_TS)
    assert (state.nvr_at_pin.version, state.nvr_at_pin.release) == ("1.08", "1")
    assert (state.nvr_at_tip.version, state.nvr_at_tip.release) == ("1.09", "1")
    assert state.at_pin.spec_path == "bc.spec"
    assert state.at_pin.commit == shas[1]

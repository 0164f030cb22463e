"""Which upstream commit a component is pinned to, the branch tip, and the drift between.

The pin, in azldev's order of precedence:

1. `upstream-commit` (full or short id): it must exist and be in the branch's history,
   otherwise the component gets a clear error;
2. the distro snapshot time: the last commit on the branch's first-parent line whose
   *committer* date is at or before the snapshot — exactly
   `git rev-list -1 --first-parent --before=<snapshot> <branch>`, as azldev resolves it;
3. neither: the branch tip.

Short, linear histories (almost every dist-git branch) are walked over the object
reader's pipe; a merge or a very long walk hands over to `git rev-list`/`git log`,
which answer the general case exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from deviations.core.distgit.remotes import check_branch_name, check_commit_id

from .errors import DistGitError, ErrorKind
from .gitcmd import GitCommandError, run_git
from .reader import AmbiguousObject, Commit, ObjectReader

WALK_LIMIT = 2000  # commits walked over the pipe before handing over to git rev-list
DRIFT_LIMIT = 1000  # drift commits returned (the count stays exact)


class PinSource:
    UPSTREAM_COMMIT = "upstream-commit"
    SNAPSHOT = "snapshot"
    TIP = "tip"


@dataclass(frozen=True)
class History:
    branch: str
    tip: Commit
    pin: Commit
    pin_source: str
    behind: int  # commits on the branch after the pin
    # Those commits, oldest first; when there are more than DRIFT_LIMIT, the newest ones
    # (the first of them is then commit number behind - len(after) + 1 after the pin).
    after: tuple[Commit, ...]
    # With an upstream-commit and a snapshot: the commit the snapshot alone selects (the
    # pin changes nothing when it is the same one); None otherwise.
    at_snapshot: Commit | None = None


class _NeedsGit(Exception):
    """The pipe walk met a merge or the walk limit; let git answer."""


def branch_tip(reader: ObjectReader, branch: str) -> Commit:
    check_branch_name(branch)
    tip = reader.commit(f"refs/heads/{branch}")
    if tip is not None:
        return tip
    heads = (
        run_git(
            ["for-each-ref", "--format=%(refname:short)", "--count=6", "refs/heads/"],
            git_dir=reader.git_dir,
        )
        .stdout.decode("utf-8", "replace")
        .split()
    )
    if not heads:
        raise DistGitError(ErrorKind.REPO_EMPTY, "the upstream repository is empty (no branches)")
    shown = ", ".join(heads[:5]) + (", ..." if len(heads) > 5 else "")
    raise DistGitError(
        ErrorKind.BRANCH_MISSING,
        f"branch {branch!r} does not exist upstream (branches: {shown})",
    )


def _linear_path(reader: ObjectReader, tip: Commit, stop: str) -> list[Commit] | None:
    """Commits from tip down to (excluding) `stop` along single parents, newest first.

    None when the root is reached without meeting `stop`.  Raises _NeedsGit on a merge
    or when the walk gets long.
    """
    path: list[Commit] = []
    current = tip
    while current.sha != stop:
        if len(current.parents) > 1 or len(path) >= WALK_LIMIT:
            raise _NeedsGit
        path.append(current)
        if not current.parents:
            return None
        parent = reader.commit(current.parents[0])
        if parent is None:  # shallow or broken mirror
            raise _NeedsGit
        current = parent
    return path


def _snapshot_pin(reader: ObjectReader, tip: Commit, when: int) -> Commit | None:
    current: Commit | None = tip
    steps = 0
    while current is not None:
        if current.committer_time <= when:
            return current
        if not current.parents:
            return None
        steps += 1
        if steps >= WALK_LIMIT:
            raise _NeedsGit
        current = reader.commit(current.parents[0])
    return None


def _git_snapshot_pin(reader: ObjectReader, tip: Commit, when: int) -> Commit | None:
    out = (
        run_git(
            ["rev-list", "-1", "--first-parent", f"--before=@{when}", tip.sha],
            git_dir=reader.git_dir,
        )
        .stdout.decode()
        .strip()
    )
    return reader.commit(out) if out else None


def _git_is_ancestor(reader: ObjectReader, ancestor: str, descendant: str) -> bool:
    result = run_git(
        ["merge-base", "--is-ancestor", ancestor, descendant], git_dir=reader.git_dir, check=False
    )
    if result.returncode not in (0, 1):
        raise GitCommandError(["merge-base"], result.returncode, result.stderr)
    return result.returncode == 0


def _git_after(reader: ObjectReader, pin: str, tip: str) -> tuple[int, list[Commit]]:
    count = int(
        run_git(["rev-list", "--count", f"{pin}..{tip}"], git_dir=reader.git_dir).stdout.strip()
    )
    shas = (
        run_git(
            ["rev-list", "--topo-order", f"--max-count={DRIFT_LIMIT}", f"{pin}..{tip}"],
            git_dir=reader.git_dir,
        )
        .stdout.decode()
        .split()
    )
    commits = [c for c in (reader.commit(s) for s in reversed(shas)) if c is not None]
    return count, commits


def is_ancestor(reader: ObjectReader, ancestor: str, descendant: Commit) -> bool:
    """Is commit `ancestor` (a full id) in the history of `descendant` (itself included)?"""
    try:
        return _linear_path(reader, descendant, ancestor) is not None
    except _NeedsGit:
        return _git_is_ancestor(reader, ancestor, descendant.sha)


def find_commit(reader: ObjectReader, commit_id: str) -> Commit | None:
    """The commit a full or short id names; None when the repository has none."""
    try:
        return reader.commit(f"{check_commit_id(commit_id)}^{{commit}}")
    except AmbiguousObject:
        raise DistGitError(
            ErrorKind.PIN_AMBIGUOUS,
            f"upstream-commit {commit_id} is ambiguous: several commits start with it "
            "(write more digits)",
        ) from None


def resolve(
    reader: ObjectReader,
    branch: str,
    *,
    snapshot: int | None = None,
    upstream_commit: str = "",
) -> History:
    """Tip, pin and drift of one branch; DistGitError with a clear message otherwise."""
    tip = branch_tip(reader, branch)
    if upstream_commit:
        pin = find_commit(reader, upstream_commit)
        if pin is None:
            raise DistGitError(
                ErrorKind.PIN_MISSING,
                f"upstream-commit {upstream_commit} does not exist in the upstream repository",
            )
        source = PinSource.UPSTREAM_COMMIT
    elif snapshot is not None:
        pin = _at_snapshot(reader, tip, snapshot)
        if pin is None:
            raise DistGitError(
                ErrorKind.NO_COMMIT_AT_SNAPSHOT,
                f"branch {branch!r} has no commit at or before the snapshot time",
            )
        source = PinSource.SNAPSHOT
    else:
        pin, source = tip, PinSource.TIP

    try:
        path = _linear_path(reader, tip, pin.sha)
        on_branch = path is not None
        if path is not None:
            behind, after = len(path), list(reversed(path[:DRIFT_LIMIT]))
    except _NeedsGit:
        on_branch = _git_is_ancestor(reader, pin.sha, tip.sha)
        if on_branch:
            behind, after = _git_after(reader, pin.sha, tip.sha)
    if not on_branch:
        raise DistGitError(
            ErrorKind.PIN_NOT_ON_BRANCH,
            f"upstream-commit {upstream_commit} ({pin.sha}) exists but is not in the history "
            f"of branch {branch!r} (force-pushed away, or on another branch)",
        )
    at_snapshot = None
    if source == PinSource.UPSTREAM_COMMIT and snapshot is not None:
        at_snapshot = _at_snapshot(reader, tip, snapshot)
    return History(branch, tip, pin, source, behind, tuple(after), at_snapshot)


def _at_snapshot(reader: ObjectReader, tip: Commit, when: int) -> Commit | None:
    try:
        return _snapshot_pin(reader, tip, when)
    except _NeedsGit:
        return _git_snapshot_pin(reader, tip, when)

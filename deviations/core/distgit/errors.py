"""The one error type of dist-git access, with a machine-readable kind.

The sync records `kind` per component (a SyncRunIssue / ComponentSync.error_kind), so
the kinds are stable strings, and `str(error)` is the sentence a person reads.
"""

from __future__ import annotations

from ..errors import KindedError


class ErrorKind:
    """Stable identifiers for what went wrong with one upstream repository."""

    UNSAFE_URL = "unsafe-url"  # scheme/transport not allowed, option injection, ...
    BAD_NAME = "bad-name"  # package or branch name not safe to use
    REPO_MISSING = "repo-missing"  # the upstream repository does not exist (or vanished)
    REPO_EMPTY = "repo-empty"  # the repository has no commits at all
    FETCH_FAILED = "fetch-failed"  # network or server trouble after retries
    TIMEOUT = "timeout"  # a git command took longer than allowed
    BRANCH_MISSING = "branch-missing"  # the distro's branch is not in the repository
    PIN_MISSING = "pin-missing"  # upstream-commit not found in the repository
    PIN_AMBIGUOUS = "pin-ambiguous"  # a short upstream-commit matches several objects
    PIN_NOT_ON_BRANCH = "pin-not-on-branch"  # exists, but not in the branch's history
    NO_COMMIT_AT_SNAPSHOT = "no-commit-at-snapshot"  # branch starts after the snapshot
    SPEC_MISSING = "spec-missing"  # no spec file at the pinned commit
    SPEC_TOO_LARGE = "spec-too-large"  # beyond the configured size limit
    FILE_TOO_LARGE = "file-too-large"  # a sidecar file (or all of them) beyond the limit
    GIT_FAILED = "git-failed"  # anything else git reported


class DistGitError(KindedError):
    """A problem with one component's upstream repository; the sync records it and goes on."""

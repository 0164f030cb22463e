"""What can go wrong with one component during a sync (its run goes on).

A problem is recorded as a `SyncRunIssue` of the run and, while it lasts, as the
component's `error_kind`.  The kinds come from three places, one vocabulary each: the
dist-git access (`core.distgit`), the lookaside downloads (`core.lookaside`) and the
sync itself; every kind any of them records is here.
"""

from __future__ import annotations

from .base import Vocabulary, choices


class DistGitIssue(Vocabulary):
    UNSAFE_URL = (
        "unsafe-url",
        "unsafe URL",
        "The dist-git URL's scheme or transport is not allowed, or it could inject options.",
    )
    BAD_NAME = "bad-name", "bad name", "The package or branch name is not safe to use."
    REPO_MISSING = (
        "repo-missing",
        "repository missing",
        "The upstream repository does not exist (or vanished).",
    )
    REPO_EMPTY = "repo-empty", "repository empty", "The upstream repository has no commits."
    FETCH_FAILED = (
        "fetch-failed",
        "fetch failed",
        "Network or server trouble lasted through every retry.",
    )
    TIMEOUT = "timeout", "timeout", "A git command took longer than allowed."
    BRANCH_MISSING = (
        "branch-missing",
        "branch missing",
        "The distro's branch is not in the repository.",
    )
    PIN_MISSING = (
        "pin-missing",
        "pin missing",
        "The `upstream-commit` is not in the repository.",
    )
    PIN_AMBIGUOUS = (
        "pin-ambiguous",
        "pin ambiguous",
        "The short `upstream-commit` matches several objects.",
    )
    PIN_NOT_ON_BRANCH = (
        "pin-not-on-branch",
        "pin not on branch",
        "The `upstream-commit` exists but is not in the branch's history.",
    )
    NO_COMMIT_AT_SNAPSHOT = (
        "no-commit-at-snapshot",
        "no commit at snapshot",
        "The branch starts after the snapshot date.",
    )
    SPEC_MISSING = "spec-missing", "spec missing", "There is no spec file at the pinned commit."
    SPEC_TOO_LARGE = (
        "spec-too-large",
        "spec too large",
        "The spec file is larger than the configured limit.",
    )
    FILE_TOO_LARGE = (
        "file-too-large",
        "file too large",
        "A file beside the spec (or all of them together) is larger than the limit.",
    )
    GIT_FAILED = "git-failed", "git failed", "Git reported another problem."


class LookasideIssue(Vocabulary):
    SOURCES_INVALID = (
        "lookaside-sources-invalid",
        "lookaside: sources invalid",
        "A line of the repository's `sources` file does not parse.",
    )
    REFUSED = (
        "lookaside-refused",
        "lookaside: refused",
        "An unsafe file or package name, URL scheme or redirect was refused.",
    )
    UNCONFIGURED = (
        "lookaside-unconfigured",
        "lookaside: unconfigured",
        "The distro has no `lookaside-base-uri`.",
    )
    NOT_FOUND = (
        "lookaside-not-found",
        "lookaside: not found",
        "The lookaside cache has no such file (404 or 410, or no such local file).",
    )
    HASH_MISMATCH = (
        "lookaside-hash-mismatch",
        "lookaside: hash mismatch",
        "The downloaded bytes do not have the hash `sources` gives.",
    )
    TOO_LARGE = (
        "lookaside-too-large",
        "lookaside: too large",
        "The file is larger than the configured limit.",
    )
    TIMEOUT = (
        "lookaside-timeout",
        "lookaside: timeout",
        "No answer in time (after the retries), or the download passed its deadline.",
    )
    FAILED = (
        "lookaside-failed",
        "lookaside: failed",
        "Another download problem: TLS, an HTTP error, or the network after the retries.",
    )


class SyncIssue(Vocabulary):
    """Problems the sync finds itself, beyond git and the lookaside cache."""

    OVERLAY_FAILED = (
        "overlay-failed",
        "overlay failed",
        "An overlay fails at the pinned commit.",
    )
    CONFIG_CHANGED = (
        "config-changed",
        "config changed",
        "A file the import recorded changed or left the config tree since; re-import it.",
    )
    CONFIG_UNAVAILABLE = (
        "config-unavailable",
        "config unavailable",
        "The imported config tree cannot be read where the last import read it.",
    )
    RENDER_FAILED = (
        "render-failed",
        "render failed",
        "The overlay engine could not render the component at all.",
    )
    RENDER_TIMEOUT = (
        "render-timeout",
        "render timeout",
        "Rendering the component took longer than its budget (AZLDRIFT_RENDER_TIMEOUT) and "
        "was stopped.",
    )
    POST_OVERLAY_HASH_STALE = (
        "post-overlay-hash-stale",
        "post-overlay hash stale",
        "A `source-files` hash of an archive the overlays repack differs from the repacked one.",
    )
    STORE_FAILED = (
        "store-failed",
        "store failed",
        "The component's result could not be written to the database.",
    )


ISSUE_VOCABULARIES = (DistGitIssue, LookasideIssue, SyncIssue)
# Every kind a run's issue (or a component's error) may have, for the models' `choices`.
ISSUE_CHOICES = choices(*ISSUE_VOCABULARIES)

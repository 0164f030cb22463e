"""The one error type of dist-git access, with a machine-readable kind.

The sync records `kind` per component (a SyncRunIssue / ComponentSync.error_kind), so
the kinds are stable strings, and `str(error)` is the sentence a person reads.
"""

from __future__ import annotations

from deviations.vocabulary import DistGitIssue

from ..errors import KindedError

# Stable identifiers for what went wrong with one upstream repository: the vocabulary's
# (deviations.vocabulary.sync_issues), under the name the git code knows it by.
ErrorKind = DistGitIssue


class DistGitError(KindedError):
    """A problem with one component's upstream repository; the sync records it and goes on."""

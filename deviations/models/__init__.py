"""Records of every Azure Linux deviation from Fedora, and their history.

The vocabularies the records use (kinds, states, verdicts, origins) live in
`deviations.vocabulary`; the ones named here are the same objects, re-exported.
"""

from deviations.vocabulary import (
    Decision,
    DeviationKind,
    Origin,
    ReviewState,
    SpecType,
    SuggestionKind,
    SuggestionStatus,
    Verdict,
)

from .audit import AuditChainHead, AuditEvent
from .component import Component
from .config import ConfigCommit, ImportRun
from .deviation import Deviation, DeviationVersion
from .history import ComponentSpan, DeviationSpan
from .identity import GitIdentity
from .notify import Digest, FeedToken, NotifyRun, SentNotification, Watch
from .ownership import Acknowledgement, Owner
from .provenance import DeviationLife
from .review import JustificationNote, NoteVersion, Review
from .sync import ComponentSync, DriftCommit, OverlayResult, SyncRun, SyncRunIssue
from .upstream import (
    DeviationLink,
    UpstreamCheck,
    UpstreamLink,
    UpstreamRelease,
    UpstreamSuggestion,
)

__all__ = [
    "Acknowledgement",
    "AuditChainHead",
    "AuditEvent",
    "Component",
    "ComponentSpan",
    "ComponentSync",
    "ConfigCommit",
    "Decision",
    "Deviation",
    "DeviationKind",
    "DeviationLife",
    "DeviationLink",
    "DeviationSpan",
    "DeviationVersion",
    "Digest",
    "DriftCommit",
    "FeedToken",
    "GitIdentity",
    "ImportRun",
    "JustificationNote",
    "NoteVersion",
    "NotifyRun",
    "Origin",
    "OverlayResult",
    "Owner",
    "Review",
    "ReviewState",
    "SentNotification",
    "SpecType",
    "SuggestionKind",
    "SuggestionStatus",
    "SyncRun",
    "SyncRunIssue",
    "UpstreamCheck",
    "UpstreamLink",
    "UpstreamRelease",
    "UpstreamSuggestion",
    "Verdict",
    "Watch",
]

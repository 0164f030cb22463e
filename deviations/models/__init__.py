"""Records of every Azure Linux deviation from Fedora, and their history."""

from .audit import AuditChainHead, AuditEvent, Origin
from .component import Component, SpecType
from .config import ConfigCommit, ImportRun
from .deviation import Deviation, DeviationKind, DeviationVersion, ReviewState
from .identity import GitIdentity
from .provenance import DeviationLife
from .review import Decision, JustificationNote, NoteVersion, Review
from .sync import ComponentSync, DriftCommit, OverlayResult, SyncRun, SyncRunIssue, Verdict
from .upstream import (
    DeviationLink,
    SuggestionKind,
    SuggestionStatus,
    UpstreamCheck,
    UpstreamLink,
    UpstreamRelease,
    UpstreamSuggestion,
)

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "Component",
    "ComponentSync",
    "ConfigCommit",
    "Decision",
    "Deviation",
    "DeviationKind",
    "DeviationLife",
    "DeviationLink",
    "DeviationVersion",
    "DriftCommit",
    "GitIdentity",
    "ImportRun",
    "JustificationNote",
    "NoteVersion",
    "Origin",
    "OverlayResult",
    "Review",
    "ReviewState",
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
]

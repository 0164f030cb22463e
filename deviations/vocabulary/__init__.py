"""The app's closed vocabularies, one module each, below every other layer.

Deviation kinds, review states and decisions, verdicts and render targets, severities
(what needs attention), origins, sync run states and triggers, sync issue kinds, audit
actions, spec types, import run states, the upstream check's states, triggers and
suggestions, and ownership (where an owner or due date came from, acknowledged subjects
and states, findings): each is a `Vocabulary` (a `StrEnum` whose members carry a label
and a one-sentence description, see base.py).  The
models take their `choices` from here, the core and the services compare against members,
and templates see every vocabulary by its class name (the `vocabulary` context processor
of the web layer).  Nothing here imports Django or the rest of the app.
"""

from .audit import AuditAction
from .base import Vocabulary, choices
from .deviations import DeviationKind
from .imports import CommitRead, HistoryChange, ImportRunStatus
from .notifications import DigestSection, WatchKind
from .origins import Origin
from .ownership import AcknowledgedSubject, AcknowledgementState, AssignedBy, OwnershipFinding
from .reviews import Decision, ReviewState
from .severity import Severity
from .specs import SpecType
from .sync import SyncRunStatus, SyncTrigger
from .sync_issues import DistGitIssue, LookasideIssue, SyncIssue
from .upstream import SuggestionKind, SuggestionStatus, UpstreamCheckStatus, UpstreamCheckTrigger
from .verdicts import Target, Verdict

VOCABULARIES: tuple[type[Vocabulary], ...] = (
    AcknowledgedSubject,
    AcknowledgementState,
    AssignedBy,
    AuditAction,
    CommitRead,
    Decision,
    DeviationKind,
    DigestSection,
    DistGitIssue,
    HistoryChange,
    ImportRunStatus,
    LookasideIssue,
    Origin,
    OwnershipFinding,
    ReviewState,
    Severity,
    SpecType,
    SuggestionKind,
    SuggestionStatus,
    SyncIssue,
    SyncRunStatus,
    SyncTrigger,
    Target,
    UpstreamCheckStatus,
    UpstreamCheckTrigger,
    Verdict,
    WatchKind,
)

__all__ = [
    "VOCABULARIES",
    "AcknowledgedSubject",
    "AcknowledgementState",
    "AssignedBy",
    "AuditAction",
    "CommitRead",
    "Decision",
    "DeviationKind",
    "DigestSection",
    "DistGitIssue",
    "HistoryChange",
    "ImportRunStatus",
    "LookasideIssue",
    "Origin",
    "OwnershipFinding",
    "ReviewState",
    "Severity",
    "SpecType",
    "SuggestionKind",
    "SuggestionStatus",
    "SyncIssue",
    "SyncRunStatus",
    "SyncTrigger",
    "Target",
    "UpstreamCheckStatus",
    "UpstreamCheckTrigger",
    "Verdict",
    "Vocabulary",
    "WatchKind",
    "choices",
]

"""How urgently a deviation, or a component, needs someone: the "needs attention" states.

A deviation can be in several at once (broken now and undocumented); its *worst* one
orders lists and names its status.  Members are written worst first, so the order of
the class is the order of urgency.  The rule that computes them is
`deviations.core.severity`.
"""

from __future__ import annotations

from .base import Vocabulary


class Severity(Vocabulary):
    SYNC_PROBLEM = (
        "sync-problem",
        "sync problem",
        "The component could not be synced or its overlays could not be rendered (components "
        "only): nothing below can be told about it until that is fixed.",
    )
    BROKEN_NOW = (
        "broken-now",
        "broken now",
        "The overlay fails at the pinned upstream commit: the build Azure Linux makes today "
        "does not have it.",
    )
    BREAKS_ON_REBASE = (
        "breaks-on-rebase",
        "breaks on rebase",
        "The overlay applies at the pinned commit but fails at the branch tip: a rebase "
        "would break it.",
    )
    STALE_APPROVAL = (
        "stale-approval",
        "stale approval",
        "A decision on the deviation lapsed: its content or its effect changed after it.",
    )
    NEEDS_REVIEW = (
        "needs-review",
        "needs review",
        "Nobody has decided on the deviation yet.",
    )
    OBSOLETE_CANDIDATE = (
        "obsolete-candidate",
        "no-op / obsolete candidate",
        "The overlay changes nothing at the pin or the tip, or upstream already has it: it "
        "may be dropped.",
    )
    UNDOCUMENTED = (
        "undocumented",
        "undocumented",
        "The deviation has no description, TOML comment, reason field or metadata.",
    )
    OK = "ok", "ok", "Nothing needs anyone: applied, decided, documented."

    @property
    def rank(self) -> int:
        """0 for the worst; members are written worst first."""
        return list(Severity).index(self)


# The states a deviation can be in (sync problems belong to components).
DEVIATION_SEVERITIES: tuple[Severity, ...] = tuple(
    s for s in Severity if s not in (Severity.SYNC_PROBLEM, Severity.OK)
)

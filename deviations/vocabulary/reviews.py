"""Review states of a deviation, and the decisions a reviewer records."""

from __future__ import annotations

from .base import Vocabulary


class ReviewState(Vocabulary):
    NEEDS_REVIEW = "needs-review", "needs review", "Nobody has decided on the deviation yet."
    APPROVED = (
        "approved",
        "approved",
        "A reviewer approved the deviation's content and its effect at the pinned commit.",
    )
    CHANGES_REQUESTED = (
        "changes-requested",
        "changes requested",
        "A reviewer asked for the deviation to be changed.",
    )
    REJECTED = "rejected", "rejected", "A reviewer rejected the deviation."
    STALE = (
        "stale",
        "stale",
        "The content or the effect changed after the last decision, which no longer holds.",
    )


class Decision(Vocabulary):
    """What a reviewer decides; a decision puts the deviation in the state of the same value."""

    APPROVED = (
        "approved",
        "approve",
        "Approve the deviation as it is: its content and its effect at the pinned commit.",
    )
    CHANGES_REQUESTED = (
        "changes-requested",
        "request changes",
        "Ask for the deviation to be changed; the comment says how.",
    )
    REJECTED = "rejected", "reject", "Reject the deviation; the comment says why."

    @property
    def state(self) -> ReviewState:
        """The review state this decision puts a deviation in."""
        return ReviewState(self.value)


# States that rest on a decision, and so can lapse.
DECIDED = (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED)
# States a reviewer still has to look at.
OPEN = (ReviewState.NEEDS_REVIEW, ReviewState.STALE)

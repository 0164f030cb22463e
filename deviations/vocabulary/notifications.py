"""Notifications: what a user can watch, and the sections of an e-mail digest."""

from __future__ import annotations

from .base import Vocabulary


class WatchKind(Vocabulary):
    COMPONENT = (
        "component",
        "component",
        "Every change to one component and its deviations, and deviations new to it.",
    )
    FILTER = (
        "filter",
        "saved filter",
        "A saved filter of the deviation list (its query string): deviations new to its rows.",
    )


class DigestSection(Vocabulary):
    """What a digest tells a user, in the order it tells it (each item names its event).

    Each has its gatherer in reads/notify.py (`SECTIONS`); OVERDUE and
    ACKNOWLEDGEMENT_EXPIRED read owners, due dates and acknowledgements.
    """

    CHANGES_REQUESTED = (
        "changes-requested",
        "changes requested on your work",
        "A reviewer asked for changes to (or rejected) a deviation you authored or own.",
    )
    APPROVAL_LAPSED = (
        "approval-lapsed",
        "approvals of your work lapsed",
        "An approval of a deviation you authored or own went stale: its content or effect changed.",
    )
    BROKEN_NOW = (
        "broken-now",
        "your deviations broken now",
        "A deviation you authored or own started failing at the pinned upstream commit.",
    )
    BREAKING_ON_REBASE = (
        "breaking-on-rebase",
        "your deviations breaking on rebase",
        "A deviation you authored or own started failing at the branch tip: a rebase would "
        "break it.",
    )
    OVERDUE = (
        "overdue",
        "overdue",
        "A deviation you own went past its due date and is still in the config.",
    )
    ACKNOWLEDGEMENT_EXPIRED = (
        "acknowledgement-expired",
        "acknowledgements expired",
        "An acknowledgement you made expired or lost its basis: the item needs attention again.",
    )
    NEW_IN_WATCHED = (
        "new-in-watched",
        "new deviations where you watch",
        "A deviation appeared in a component or a saved filter you watch.",
    )

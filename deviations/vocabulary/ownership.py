"""Ownership and acknowledgements: where an owner or due date came from, what may be
acknowledged, an acknowledgement's states, and the findings due dates make."""

from __future__ import annotations

from .base import Vocabulary
from .severity import Severity

# The metadata category azldev gives a deviation meant to go away (core/types.py lists it).
TEMPORARY_CATEGORY = "azl-temp-workaround"


class AssignedBy(Vocabulary):
    CONFIG = (
        "config",
        "proposed by the config",
        "The config proposes it (metadata or an `Owner:` / `Remove by:` comment line).",
    )
    APP = (
        "app",
        "set in azldrift",
        "A reviewer or admin set it in azldrift; it wins over the config from then on.",
    )


class AcknowledgedSubject(Vocabulary):
    DRIFT = (
        "drift",
        "drift on a component",
        "The component stays on its pin on purpose while Fedora moves on.",
    )
    FAILING_AT_TIP = (
        "failing-at-tip",
        "failure at the tip",
        "The deviation fails at the branch tip and the team has decided to live with it for now.",
    )
    NOOP_AT_TIP = (
        "noop-at-tip",
        "no-op at the tip",
        "The deviation does nothing at the branch tip and the team knows.",
    )
    OBSOLETE = (
        "obsolete",
        "obsolete candidate",
        "The deviation looks obsolete upstream and the team keeps it for now.",
    )
    SUGGESTION = (
        "suggestion",
        "upstream link suggestion",
        "An upstream suggestion on the deviation is known and left open for now.",
    )


# What a deviation may be acknowledged for (drift belongs to components).
DEVIATION_SUBJECTS = (
    AcknowledgedSubject.FAILING_AT_TIP,
    AcknowledgedSubject.NOOP_AT_TIP,
    AcknowledgedSubject.OBSOLETE,
    AcknowledgedSubject.SUGGESTION,
)


# The needs-attention states an acknowledgement takes a deviation out of: a failure at the
# tip out of "breaks on rebase", a no-op at the tip or an obsolete flag out of "no-op /
# obsolete candidate".  Other states (broken now, needs review, ...) are not acknowledged.
SEVERITY_SUBJECTS: dict[Severity, tuple[AcknowledgedSubject, ...]] = {
    Severity.BREAKS_ON_REBASE: (AcknowledgedSubject.FAILING_AT_TIP,),
    Severity.OBSOLETE_CANDIDATE: (AcknowledgedSubject.NOOP_AT_TIP, AcknowledgedSubject.OBSOLETE),
}


class AcknowledgementState(Vocabulary):
    ACTIVE = (
        "active",
        "active",
        "The item stays out of the attention counts until the expiry date.",
    )
    EXPIRED = (
        "expired",
        "expired",
        "Its expiry date came: the item needs attention again.",
    )
    BASIS_CHANGED = (
        "basis-changed",
        "basis changed",
        "What was acknowledged changed (a new tip commit, upstream version or verdict).",
    )
    REPLACED = (
        "replaced",
        "replaced",
        "A newer acknowledgement of the same item took its place.",
    )
    WITHDRAWN = (
        "withdrawn",
        "withdrawn",
        "A reviewer or admin withdrew it before it expired.",
    )


# The states an acknowledgement ends in by itself (computed when read, recorded by `expire`).
LAPSED = (AcknowledgementState.EXPIRED, AcknowledgementState.BASIS_CHANGED)


class OwnershipFinding(Vocabulary):
    OVERDUE = (
        "overdue",
        "overdue",
        "Past its due date and still in the config.",
    )
    NO_EXPIRY = (
        "no-expiry",
        "no expiry",
        "A temporary workaround with no due date: nothing says when it should go.",
    )

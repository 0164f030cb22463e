"""Stable identities of deviations across config versions.

Every kind but overlays has a natural key (`check-skip`, `build-option:with:x`, ...).
Overlays have none -- the same overlay can be edited, moved or reworded -- so each gets
`overlay-N` the first time it is seen, and keeps it.  A new config's overlays are
matched to the known ones in rounds, each round only among those still unmatched:

1. same fingerprint (what it does is unchanged; it may have moved or been reworded),
   live deviations first, then removed ones (an overlay that comes back resumes its
   history);
2. same type and description (an edited overlay);
3. same type at the same position among the component's overlays (an edited overlay
   whose description changed too).

Whatever is left is new and gets the next number never used in the component, so a
key is never reused for a different overlay.  Matching is deterministic: in config
order, and among candidates, the earliest known position first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deviations.vocabulary import DeviationKind

from .extract import Deviation

_NUMBER = re.compile(r"overlay-(\d+)\Z")


@dataclass(frozen=True)
class Known:
    """A deviation already on record for the component."""

    key: str
    kind: str
    fingerprint: str
    overlay_type: str = ""
    description: str = ""
    position: int = 0  # order among the component's overlays when last seen
    removed: bool = False


def assign_keys(known: Sequence[Known], current: Sequence[Deviation]) -> list[str]:
    """The key of each current deviation (same order as `current`)."""
    keys = [d.slot for d in current]  # "" for an overlay until it is matched or numbered
    overlays = [i for i, d in enumerate(current) if d.kind == DeviationKind.OVERLAY]
    if not overlays:
        return keys
    candidates = sorted(
        (k for k in known if k.kind == DeviationKind.OVERLAY),
        key=lambda k: (k.removed, k.position, k.key),
    )
    taken: set[str] = set()
    ordinal = {index: n for n, index in enumerate(overlays)}

    def match(test: Callable[[Known, Deviation, int], bool]) -> None:
        for index in overlays:
            if keys[index]:
                continue
            deviation = current[index]
            for candidate in candidates:
                if candidate.key not in taken and test(candidate, deviation, index):
                    keys[index] = candidate.key
                    taken.add(candidate.key)
                    break

    match(lambda k, d, i: not k.removed and k.fingerprint == d.fingerprint)
    match(lambda k, d, i: k.removed and k.fingerprint == d.fingerprint)
    match(
        lambda k, d, i: (
            not k.removed
            and bool(d.description)
            and (k.overlay_type, k.description) == (d.overlay_type, d.description)
        )
    )
    match(
        lambda k, d, i: (
            not k.removed and k.overlay_type == d.overlay_type and k.position == ordinal[i]
        )
    )
    used = [int(m.group(1)) for k in known if (m := _NUMBER.match(k.key))]
    next_number = max(used, default=0) + 1
    for index in overlays:
        if not keys[index]:
            keys[index] = f"overlay-{next_number}"
            next_number += 1
    return keys


def overlay_ordinals(current: Sequence[Deviation]) -> list[int]:
    """Each deviation's position among the component's overlays (-1 for other kinds)."""
    out: list[int] = []
    n = 0
    for deviation in current:
        if deviation.kind == DeviationKind.OVERLAY:
            out.append(n)
            n += 1
        else:
            out.append(-1)
    return out

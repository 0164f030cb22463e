"""The "needs attention" board and documentation coverage: counts that each link to the
list they count.

`board()` returns the tiles in the order the overview shows them; a new count (overdue,
no expiry) is one more tile in that list, and a narrower scope (acknowledged items left
out) is the `deviations` and `params` it is given: every tile counts within `deviations`
and carries `params` into its link, so the list it opens holds what it counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from deviations.models import ComponentSync, Deviation
from deviations.reads.severity import deviation_q, sync_problem_q
from deviations.vocabulary import DeviationKind, Severity

# What each tile counts, and its tone when not zero.
_TONES: dict[Severity, str] = {
    Severity.SYNC_PROBLEM: "bad",
    Severity.BROKEN_NOW: "bad",
    Severity.BREAKS_ON_REBASE: "bad",
    Severity.STALE_APPROVAL: "warn",
    Severity.NEEDS_REVIEW: "warn",
    Severity.OBSOLETE_CANDIDATE: "warn",
    Severity.UNDOCUMENTED: "warn",
}


@dataclass(frozen=True)
class Tile:
    """One count of the board: what it counts, how many, and the list that shows them."""

    key: str  # stable: a severity's value, or another count's name
    label: str
    description: str
    count: int
    url: str
    tone: str = "warn"  # "bad" or "warn" when count > 0
    noun: str = "deviations"  # what is counted
    components: int | None = None  # in how many components, when counted

    @property
    def css(self) -> str:
        return self.tone if self.count else ""


def _link(view: str, params: Mapping[str, str]) -> str:
    return f"{reverse(view)}?{urlencode(dict(params))}"


def board(
    deviations: QuerySet[Deviation] | None = None, params: Mapping[str, str] | None = None
) -> list[Tile]:
    """The needs-attention tiles, worst first (2 queries): components with a sync problem,
    then deviations in each severity (and in how many components)."""
    scope = Deviation.objects.filter(removed=False) if deviations is None else deviations
    extra = dict(params or {})
    counts = scope.aggregate(
        **{
            f"{s.name}": Count("id", filter=deviation_q(s))
            for s in _TONES
            if s != Severity.SYNC_PROBLEM
        },
        **{
            f"{s.name}_components": Count("component_id", filter=deviation_q(s), distinct=True)
            for s in _TONES
            if s != Severity.SYNC_PROBLEM
        },
    )
    problems = ComponentSync.objects.filter(sync_problem_q(""), component__removed=False).count()
    tiles = [
        Tile(
            key=Severity.SYNC_PROBLEM,
            label="components with a sync problem",
            description=Severity.SYNC_PROBLEM.description,
            count=problems,
            url=_link("components", {"severity": Severity.SYNC_PROBLEM, **extra}),
            tone=_TONES[Severity.SYNC_PROBLEM],
            noun="components",
        )
    ]
    for severity, tone in _TONES.items():
        if severity == Severity.SYNC_PROBLEM:
            continue
        tiles.append(
            Tile(
                key=severity,
                label=severity.label,
                description=severity.description,
                count=counts[severity.name],
                url=_link("deviations", {"severity": severity, **extra}),
                tone=tone,
                components=counts[f"{severity.name}_components"],
            )
        )
    return tiles


@dataclass(frozen=True)
class Coverage:
    """How many deviations say why, of how many (documented, total)."""

    documented: int
    total: int
    # (kind, label, documented, total, undocumented), most deviations first
    by_kind: list[tuple[str, str, int, int, int]] = field(default_factory=list)

    @property
    def undocumented(self) -> int:
        return self.total - self.documented

    @property
    def share(self) -> float:
        """Percent documented (100 when there is nothing to document)."""
        return round(100.0 * self.documented / self.total, 1) if self.total else 100.0


def coverage(deviations: QuerySet[Deviation] | None = None) -> Coverage:
    """Documentation coverage of the current deviations, overall and per kind (1 query)."""
    scope = Deviation.objects.filter(removed=False) if deviations is None else deviations
    labels = dict(DeviationKind.choices)
    rows = (
        scope.values("kind")
        .annotate(total=Count("id"), documented=Count("id", filter=Q(documented=True)))
        .order_by()
    )
    by_kind = sorted(
        (
            (
                row["kind"],
                labels.get(row["kind"], row["kind"]),
                row["documented"],
                row["total"],
                row["total"] - row["documented"],
            )
            for row in rows
        ),
        key=lambda item: (-item[3], item[0]),
    )
    return Coverage(
        documented=sum(item[2] for item in by_kind),
        total=sum(item[3] for item in by_kind),
        by_kind=by_kind,
    )


def component_coverage(deviations: list[Deviation]) -> Coverage:
    """Coverage of one component's current deviations, as its page loaded them (no query)."""
    return Coverage(documented=sum(d.documented for d in deviations), total=len(deviations))

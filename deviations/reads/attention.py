"""The "needs attention" board and documentation coverage: counts that each link to the
list they count.

`board()` returns the tiles in the order the overview shows them; a new count (overdue,
no expiry) is one more tile in that list, and a narrower scope (acknowledged items left
out) is the `deviations` and `params` it is given: every tile counts within `deviations`
and carries `params` into its link, so the list it opens holds what it counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse

from deviations.core import severity as rule
from deviations.models import ComponentSync, Deviation
from deviations.reads.severity import RULE_FIELDS, of_current_components, sync_problem_q
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


@dataclass(frozen=True)
class Group:
    """Current deviations that share every column the counts read: how many (`n`)."""

    component_id: int
    kind: str
    category: str
    upstream_status: str
    verdict_at_pin: str
    verdict_at_tip: str
    review_state: str
    obsolete: bool
    documented: bool
    n: int

    @cached_property
    def severities(self) -> tuple[Severity, ...]:
        return rule.severities(
            verdict_at_pin=self.verdict_at_pin,
            verdict_at_tip=self.verdict_at_tip,
            review_state=self.review_state,
            obsolete=self.obsolete,
            documented=self.documented,
        )


_GROUPED = ("component_id", "kind", "category", "upstream_status", *RULE_FIELDS)


def groups(deviations: QuerySet[Deviation] | None = None) -> list[Group]:
    """The deviations in scope (default: the current ones) grouped by what the board, the
    coverage and the overview count (1 query; a few hundred rows on the real config).
    Counting them here by the core's rule costs less than a dozen filtered aggregates
    compiled by the ORM, and is the rule by construction."""
    scope = Deviation.objects.filter(removed=False) if deviations is None else deviations
    return [Group(**row) for row in scope.values(*_GROUPED).annotate(n=Count("id")).order_by()]


def sync_problems() -> int:
    """Components in the config whose sync failed or did not render (1 query)."""
    return ComponentSync.objects.filter(sync_problem_q(""), of_current_components()).count()


def board(
    deviations: QuerySet[Deviation] | None = None,
    params: Mapping[str, str] | None = None,
    *,
    grouped: list[Group] | None = None,
    problems: int | None = None,
) -> list[Tile]:
    """The needs-attention tiles, worst first (2 queries, none for what is given):
    components with a sync problem, then deviations in each severity (and in how many
    components).  `grouped` and `problems` are `groups(deviations)` and `sync_problems()`
    when the caller read them already."""
    found = groups(deviations) if grouped is None else grouped
    extra = dict(params or {})
    counts: Counter[Severity] = Counter()
    components: dict[Severity, set[int]] = {}
    for group in found:
        for severity in group.severities:
            counts[severity] += group.n
            components.setdefault(severity, set()).add(group.component_id)
    tiles = [
        Tile(
            key=Severity.SYNC_PROBLEM,
            label="components with a sync problem",
            description=Severity.SYNC_PROBLEM.description,
            count=sync_problems() if problems is None else problems,
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
                count=counts[severity],
                url=_link("deviations", {"severity": severity, **extra}),
                tone=tone,
                components=len(components.get(severity, ())),
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


def coverage(
    deviations: QuerySet[Deviation] | None = None, *, grouped: list[Group] | None = None
) -> Coverage:
    """Documentation coverage, overall and per kind (1 query, none when `grouped` is given)."""
    found = groups(deviations) if grouped is None else grouped
    labels = dict(DeviationKind.choices)
    total: Counter[str] = Counter()
    documented: Counter[str] = Counter()
    for group in found:
        total[group.kind] += group.n
        documented[group.kind] += group.n if group.documented else 0
    by_kind = sorted(
        (
            (kind, labels.get(kind, kind), documented[kind], n, n - documented[kind])
            for kind, n in total.items()
        ),
        key=lambda item: (-item[3], item[0]),
    )
    return Coverage(documented=sum(documented.values()), total=sum(total.values()), by_kind=by_kind)


def component_coverage(deviations: list[Deviation]) -> Coverage:
    """Coverage of one component's current deviations, as its page loaded them (no query)."""
    return Coverage(documented=sum(d.documented for d in deviations), total=len(deviations))

"""What needs attention, as SQL: each severity of `core.severity` as a condition on
deviations (tests hold the two equal over every combination of the columns they read),
a component's sync problem, the rank that orders lists most urgent first, and each
record's severities and status for the rows a page shows (no query: from loaded columns).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, Value, When

from deviations.core import severity as rule
from deviations.models import Component, ComponentSync, Deviation
from deviations.vocabulary import ReviewState, Severity, Verdict
from deviations.vocabulary.severity import DEVIATION_SEVERITIES

# The columns of a deviation the rule reads (lists load at least these).
RULE_FIELDS = ("verdict_at_pin", "verdict_at_tip", "review_state", "obsolete", "documented")

_CONDITIONS: dict[Severity, Q] = {
    Severity.BROKEN_NOW: Q(verdict_at_pin=Verdict.FAILED),
    Severity.BREAKS_ON_REBASE: Q(
        verdict_at_pin__in=(Verdict.APPLIED, Verdict.NOOP), verdict_at_tip=Verdict.FAILED
    ),
    Severity.STALE_APPROVAL: Q(review_state=ReviewState.STALE),
    Severity.NEEDS_REVIEW: Q(review_state=ReviewState.NEEDS_REVIEW),
    Severity.OBSOLETE_CANDIDATE: Q(obsolete=True)
    | Q(verdict_at_pin=Verdict.NOOP)
    | Q(verdict_at_tip=Verdict.NOOP),
    Severity.UNDOCUMENTED: Q(documented=False),
}


def _any_severity() -> Q:
    found = Q()
    for condition in _CONDITIONS.values():
        found |= condition
    return found


def deviation_q(severity: Severity) -> Q:
    """The deviations in `severity` (OK: in none of the others)."""
    if severity == Severity.OK:
        return ~_any_severity()
    if severity == Severity.SYNC_PROBLEM:
        return Q(component__sync__isnull=False) & sync_problem_q("component__sync__")
    return _CONDITIONS[severity]


def sync_problem_q(prefix: str = "sync__") -> Q:
    """Components (prefix "sync__") or syncs ("") whose sync failed or did not render."""
    return ~Q(**{f"{prefix}error_kind": ""}) | Q(**{f"{prefix}render_ok": False})


def of_current_components() -> Q:
    """Rows of a per-component table (syncs) whose component is in the config.

    Written as NOT IN the few removed components rather than as a join on
    `component__removed`: SQLite then reads the syncs alone, and their outcome columns
    sit after the large rendered diff, so a join that walks the table row by row costs
    ten times more (18 ms against 2 on the real config)."""
    return ~Q(component_id__in=Component.objects.filter(removed=True).values("id"))


def component_q(severity: Severity) -> Q:
    """Components in `severity`: a sync problem, a current deviation in it, or (OK) neither
    a sync problem nor a current deviation in any state but OK.  An uncorrelated IN, as the
    component filters' other deviation conditions (computed once, not per component)."""
    problem = Q(sync__isnull=False) & sync_problem_q()
    if severity == Severity.SYNC_PROBLEM:
        return problem
    live = Deviation.objects.filter(removed=False)
    if severity == Severity.OK:
        return ~problem & ~Q(pk__in=live.filter(_any_severity()).values("component_id"))
    return Q(pk__in=live.filter(_CONDITIONS[severity]).values("component_id"))


def rank() -> Case:
    """A deviation's worst severity as its rank (0 the most urgent), to order by."""
    return Case(
        *(When(_CONDITIONS[s], then=Value(s.rank)) for s in DEVIATION_SEVERITIES),
        default=Value(Severity.OK.rank),
        output_field=IntegerField(),
    )


def of_deviation(deviation: Deviation) -> tuple[Severity, ...]:
    """The deviation's severities, worst first (no query)."""
    return rule.severities(
        verdict_at_pin=deviation.verdict_at_pin,
        verdict_at_tip=deviation.verdict_at_tip,
        review_state=deviation.review_state,
        obsolete=deviation.obsolete,
        documented=deviation.documented,
    )


def mark(deviations: Iterable[Deviation]) -> None:
    """Attach `severities` (worst first) and `severity` (the worst) to each (no query)."""
    for deviation in deviations:
        found = of_deviation(deviation)
        # For templates and serializers, on the deviation itself (the model does not
        # declare them).
        setattr(deviation, "severities", found)  # noqa: B010
        setattr(deviation, "severity", found[0])  # noqa: B010


def sync_of(component: Component) -> ComponentSync | None:
    """The component's sync if loaded with it, without a query when it is not."""
    try:
        return component.sync
    except ComponentSync.DoesNotExist:
        return None


def status(sync: ComponentSync | None, deviations: Iterable[Deviation]) -> Severity:
    """A component's status from its current deviations and its sync (None: not synced)."""
    return rule.component_status(
        (of_deviation(d) for d in deviations),
        error_kind=sync.error_kind if sync else "",
        render_ok=sync.render_ok if sync else True,
    )

"""Read models for the pages (and the API and exports): one function per question.

Each function issues a fixed number of queries, whatever the number of rows,
so the pages stay fast at full size (7,583 components, ~8,000 deviations).
Big text columns (rendered diffs) are loaded only where they are shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When
from django.db.models.functions import Coalesce, Greatest, Lower
from django.http import Http404

from deviations.core.severity import sync_problem
from deviations.models import (
    AuditChainHead,
    AuditEvent,
    Component,
    ComponentSync,
    ConfigCommit,
    Deviation,
    DeviationLife,
    DeviationLink,
    DeviationVersion,
    DriftCommit,
    ImportRun,
    JustificationNote,
    NoteVersion,
    OverlayResult,
    Review,
    SyncRun,
    SyncRunIssue,
    UpstreamCheck,
    UpstreamRelease,
    UpstreamSuggestion,
)
from deviations.reads import attention, severity
from deviations.reads.filters import BEHIND_RANGES
from deviations.vocabulary import (
    DeviationKind,
    ReviewState,
    Severity,
    SpecType,
    SuggestionStatus,
    Verdict,
)
from deviations.vocabulary.reviews import OPEN
from deviations.vocabulary.sync import ACTIVE
from deviations.vocabulary.sync_issues import ISSUE_CHOICES

# Columns of ComponentSync that lists never show (large text).
_SYNC_HEAVY = ("sync__rendered_diff",)
# How much of a long history a detail page shows before linking to the full list.
TRAIL_LIMIT = 25
DRIFT_LIMIT = 200
SHORT_LIST = 10  # deviations an overview card lists before "All N"
_COMMIT_ID = re.compile(r"[0-9a-f]{7,40}")


# --- lists -----------------------------------------------------------------


def component_rows() -> QuerySet[Component]:
    """Components with their sync state and current deviations' kinds/states (2 queries)."""
    # Explicit order: the model's default (component__name) would join components again.
    current = (
        Deviation.objects.filter(removed=False)
        .only("id", "component_id", "kind", "position", *severity.RULE_FIELDS)
        .order_by("position")
    )
    return (
        Component.objects.select_related("sync", "upstream_release")
        .defer(*_SYNC_HEAVY)
        .prefetch_related(Prefetch("deviations", queryset=current, to_attr="current_deviations"))
    )


@dataclass
class RowSummary:
    kinds: list[tuple[str, str, int]]  # (kind, label, count)
    needs_review: int
    approved: int
    status: Severity  # its worst deviation, or its sync problem
    undocumented: int


def current_deviations(component: Component) -> list[Deviation]:
    """The component's live deviations as component_rows() prefetched them (no query)."""
    found: list[Deviation] = vars(component)["current_deviations"]
    return found


def drift_shown(component: Component) -> list[DriftCommit]:
    """The drift commits a drift page prefetched for the component (no query)."""
    found: list[DriftCommit] = vars(component)["drift_shown"]
    return found


def summarize_rows(components: Iterable[Component]) -> None:
    """Attach `row_summary` to each component of a page (no queries: uses the prefetch and
    the sync loaded with it)."""
    labels = dict(DeviationKind.choices)
    for component in components:
        deviations = getattr(component, "current_deviations", [])
        kinds = Counter(d.kind for d in deviations)
        states = Counter(d.review_state for d in deviations)
        summary = RowSummary(
            kinds=[(kind, labels.get(kind, kind), n) for kind, n in sorted(kinds.items())],
            needs_review=states[ReviewState.NEEDS_REVIEW] + states[ReviewState.STALE],
            approved=states[ReviewState.APPROVED],
            status=severity.status(severity.sync_of(component), deviations),
            undocumented=sum(not d.documented for d in deviations),
        )
        # For the template, on the component itself (the model does not declare it).
        setattr(component, "row_summary", summary)  # noqa: B010


def with_upstream_links(queryset: QuerySet[Deviation]) -> QuerySet[Deviation]:
    """Each deviation's upstream links (`upstream_links`, with their link) and open
    suggestions (`open_suggestions`): 2 queries per page, whatever its size."""
    return queryset.prefetch_related(
        Prefetch(
            "upstream_links",
            queryset=DeviationLink.objects.select_related("link").order_by("position"),
        ),
        Prefetch(
            "suggestions",
            queryset=UpstreamSuggestion.objects.filter(status=SuggestionStatus.OPEN).order_by(
                "-created_at", "-pk"
            ),
            to_attr="open_suggestions",
        ),
    )


def open_suggestions(deviation: Deviation) -> list[UpstreamSuggestion]:
    """A deviation's open suggestions, as `with_upstream_links` prefetched them."""
    found: list[UpstreamSuggestion] = vars(deviation)["open_suggestions"]
    return found


def deviation_rows() -> QuerySet[Deviation]:
    return Deviation.objects.select_related(
        "component", "introduced_commit", "changed_commit"
    ).defer("obsolete_reason")


def waiting_since() -> Any:
    """When a deviation in the queue started waiting, as an expression.

    When its current version appeared: the date of the config commit that last changed
    it (or introduced it), else the time the import recorded that version (a config
    read from a folder has no commits).  A stale one waits since its decision lapsed,
    if that came later (a sync changed its effect; the version is older).
    """
    appeared = Coalesce(
        "changed_commit__committed_at",
        "introduced_commit__committed_at",
        "current_version__created_at",
        "created_at",
    )
    # Greatest is NULL on SQLite when either side is: both sides fall back to the other.
    lapsed = Greatest(appeared, Coalesce("review_state_changed_at", appeared))
    return Case(When(review_state=ReviewState.STALE, then=lapsed), default=appeared)


def queue_rows() -> QuerySet[Deviation]:
    """The review queue: open deviations, each with the moment it started waiting."""
    return deviation_rows().filter(review_state__in=OPEN).annotate(waiting_since=waiting_since())


def queue_order(rows: QuerySet[Deviation], sort: str | None) -> QuerySet[Deviation]:
    """Oldest first (waiting longest for a decision), unless the filters chose a sort."""
    return rows if sort else rows.order_by(F("waiting_since").asc(), "id")


def audit_rows() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor")


def audit_list_rows() -> QuerySet[AuditEvent]:
    """What event tables show; before/after (large JSON) are on each event's own page."""
    return AuditEvent.objects.defer("before", "after")


def audit_event(seq: int) -> AuditEvent:
    event = audit_rows().filter(seq=seq).first()
    if event is None:
        raise Http404(f"no audit event #{seq}")
    return event


def review_rows() -> QuerySet[Review]:
    """The review history: every decision with its deviation, reviewer and version."""
    return Review.objects.select_related("deviation__component", "reviewer", "version").defer(
        "effect_diff"
    )


# --- overview --------------------------------------------------------------


@dataclass
class Overview:
    components: dict[str, int]
    deviations_total: int
    by_kind: list[tuple[str, str, int]]  # (kind, label, count)
    by_category: list[tuple[str, int]]
    by_upstream_status: list[tuple[str, int]]
    by_review_state: list[tuple[str, str, int]]
    drift: dict[str, int]
    behind_buckets: list[tuple[str, str, int]]  # (bucket key, label, components)
    broken_now: list[Deviation]  # fail at the pin
    breaks_on_rebase: list[Deviation]  # apply at the pin, fail at the tip
    obsolete: list[Deviation]
    verdicts: dict[str, int]
    board: list[attention.Tile]  # what needs attention, worst first
    coverage: attention.Coverage
    upstream: dict[str, int]  # suggestions: deviations with an open one; newer: components
    last_sync: SyncRun | None
    last_sync_issues: list[SyncRunIssue]
    last_import: ImportRun | None


# The overview's totals are a function of the records, and every change to them is an
# audit event in the same transaction (import, sync, reviews), so the chain head (seq and
# hash) identifies them; the timeout bounds staleness from anything written outside that rule.
OVERVIEW_CACHE_SECONDS = 300


def overview() -> Overview:
    """Totals and drift at a glance, plus the latest sync and import (read live).

    Cold: 12 queries, each one aggregate or a short list; warm: 4 (totals cached per
    audit chain head).
    """
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    key = "azldrift:overview:{}:{}".format(*head)
    totals = cache.get(key)
    if totals is None:
        totals = _record_totals()
        cache.set(key, totals, OVERVIEW_CACHE_SECONDS)
    last_sync = SyncRun.objects.order_by("-created_at").first()
    issues = list(last_sync.issues.order_by("component_name")[:10]) if last_sync else []
    return Overview(
        **totals,
        last_sync=last_sync,
        last_sync_issues=issues,
        last_import=ImportRun.objects.select_related("commit").order_by("-started_at").first(),
    )


def _record_totals() -> dict[str, Any]:
    """Counts of components, deviations, overlays, reviews, drift, upstream suggestions,
    newer releases, what needs attention and documentation coverage (8 queries)."""
    live = Q(removed=False)
    components = Component.objects.filter(live).aggregate(
        total=Count("id"),
        customized=Count("id", filter=Q(deviation_count__gt=0)),
        local=Count("id", filter=Q(spec_type=SpecType.LOCAL)),
    )
    deviations = Deviation.objects.filter(live)
    # Every deviation count below comes from one grouped read, counted by the core's rule.
    grouped = attention.groups(deviations)
    kind_labels = dict(DeviationKind.choices)
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    state_counts: Counter[str] = Counter()
    verdicts = {"broken_now": 0, "breaks_on_rebase": 0, "noop_at_tip": 0, "obsolete": 0}
    for group in grouped:
        kinds[group.kind] += group.n
        state_counts[group.review_state] += group.n
        if group.kind == DeviationKind.OVERLAY:
            categories[group.category or "(none)"] += group.n
            statuses[group.upstream_status or "(none)"] += group.n
        # Broken now: fails at the pin.  Breaks on rebase: applies at the pin and fails at
        # the tip (an overlay failing at both is broken now, and counted there).
        verdicts["broken_now"] += group.n * (Severity.BROKEN_NOW in group.severities)
        verdicts["breaks_on_rebase"] += group.n * (Severity.BREAKS_ON_REBASE in group.severities)
        verdicts["noop_at_tip"] += group.n * (group.verdict_at_tip == Verdict.NOOP)
        verdicts["obsolete"] += group.n * group.obsolete
    by_kind = sorted(
        ((kind, kind_labels.get(kind, kind), n) for kind, n in kinds.items()),
        key=lambda item: (-item[2], item[0]),
    )
    by_review_state = [
        (state, label, state_counts.get(state, 0)) for state, label in ReviewState.choices
    ]
    breaks_on_rebase = severity.deviation_q(Severity.BREAKS_ON_REBASE)
    broken_now = severity.deviation_q(Severity.BROKEN_NOW)
    drift = _drift()
    behind_buckets = [
        (key, label, drift.pop(f"bucket_{key}")) for key, (label, _, _) in BEHIND_RANGES.items()
    ]
    # A few of the broken, breaking and obsolete deviations (the cards' short lists).
    shown = deviations.select_related("component").order_by("component__name", "position")
    rebase_rows, broken_rows, obsolete = (
        list(shown.filter(condition)[:SHORT_LIST])
        for condition in (breaks_on_rebase, broken_now, Q(obsolete=True))
    )
    suggested = UpstreamSuggestion.objects.filter(
        status=SuggestionStatus.OPEN, deviation__removed=False
    )
    upstream = {
        "suggestions": suggested.values("deviation_id").distinct().count(),
        "newer": UpstreamRelease.objects.filter(
            newer_than_fedora=True, component__removed=False
        ).count(),
    }
    return dict(
        components=components,
        deviations_total=sum(n for _, _, n in by_kind),
        upstream=upstream,
        by_kind=by_kind,
        by_category=categories.most_common(),
        by_upstream_status=statuses.most_common(),
        by_review_state=by_review_state,
        drift=drift,
        behind_buckets=behind_buckets,
        broken_now=broken_rows,
        breaks_on_rebase=rebase_rows,
        obsolete=obsolete,
        verdicts=verdicts,
        board=attention.board(grouped=grouped, problems=drift["sync_problems"]),
        coverage=attention.coverage(grouped=grouped),
    )


def _drift() -> dict[str, int]:
    """How far the synced components in the config are behind, and what breaks (1 query).

    One grouped read counted here: a dozen filtered aggregates cost more to compile in
    the ORM than to run (the groups are a few hundred on the real config)."""
    drift = dict.fromkeys(
        (
            "synced",
            "behind",
            "total_behind",
            "max_behind",
            "errors",
            "rebase_risk",
            "obsolete_components",
            "sync_problems",
            *(f"bucket_{key}" for key in BEHIND_RANGES),
        ),
        0,
    )
    rows = (
        ComponentSync.objects.filter(severity.of_current_components())
        .values_list(
            "commits_behind", "failing_at_tip", "obsolete_count", "error_kind", "render_ok"
        )
        .annotate(n=Count("component_id"))
        .order_by()
    )
    for behind, failing, obsolete, error_kind, render_ok, n in rows:
        drift["synced"] += n
        drift["errors"] += n * bool(error_kind)
        drift["rebase_risk"] += n * (failing > 0)
        drift["obsolete_components"] += n * (obsolete > 0)
        drift["sync_problems"] += n * sync_problem(error_kind=error_kind, render_ok=render_ok)
        if behind is None:
            continue
        drift["behind"] += n * (behind >= 1)
        drift["total_behind"] += n * behind
        drift["max_behind"] = max(drift["max_behind"], behind)
        for key, (_, low, high) in BEHIND_RANGES.items():
            if behind >= low and (high is None or behind <= high):
                drift[f"bucket_{key}"] += n
    return drift


# --- one component ---------------------------------------------------------


@dataclass
class ComponentPage:
    component: Component
    sync: ComponentSync | None
    deviations: list[Deviation]
    removed_deviations: list[Deviation]
    drift_commits: list[DriftCommit]
    drift_total: int
    trail: list[AuditEvent]
    status: Severity  # its worst current deviation, or its sync problem
    coverage: attention.Coverage  # of its current deviations


def _provenance(queryset: QuerySet[Deviation]) -> QuerySet[Deviation]:
    return queryset.select_related("current_version", "introduced_commit", "changed_commit")


def component_page(name: str | None = None, *, pk: int | None = None) -> ComponentPage:
    """Everything the component page shows (6 queries); the component by name or by id."""
    found = Component.objects.select_related("upstream_release")
    component = (found.filter(name=name) if pk is None else found.filter(pk=pk)).first()
    if component is None:
        raise Http404(f"no component named {name!r}" if pk is None else f"no component #{pk}")
    sync = ComponentSync.objects.filter(component=component).select_related("run").first()
    deviations = list(_provenance(component.deviations.order_by("removed", "position")))
    results: dict[int, dict[str, OverlayResult]] = {}
    for result in OverlayResult.objects.filter(deviation__component=component):
        results.setdefault(result.deviation_id, {})[result.target] = result
    for deviation in deviations:
        # For the template, on the deviation itself (the model does not declare it).
        setattr(deviation, "result_at", results.get(deviation.pk, {}))  # noqa: B010
    drift = list(component.drift_commits.order_by("position")[: DRIFT_LIMIT + 1])
    current = [d for d in deviations if not d.removed]
    severity.mark(deviations)
    return ComponentPage(
        component=component,
        sync=sync,
        status=severity.status(sync, current),
        coverage=attention.component_coverage(current),
        deviations=current,
        removed_deviations=[d for d in deviations if d.removed],
        drift_commits=drift[:DRIFT_LIMIT],
        drift_total=(sync.commits_behind or 0) if sync else len(drift),
        trail=list(
            audit_list_rows().filter(component_name=component.name).order_by("-seq")[:TRAIL_LIMIT]
        ),
    )


# --- one deviation ---------------------------------------------------------


@dataclass
class DeviationPage:
    deviation: Deviation
    sync: ComponentSync | None
    versions: list[DeviationVersion]
    earlier_lives: list[DeviationLife]  # runs in the config before the current one
    results: dict[str, OverlayResult]
    reviews: list[Review]
    notes: list[JustificationNote]
    trail: list[AuditEvent]


def deviation_page(pk: int) -> DeviationPage:
    """Everything the deviation page shows (9 queries; its upstream panel 2 more)."""
    deviation = _provenance(Deviation.objects.select_related("component")).filter(pk=pk).first()
    if deviation is None:
        raise Http404(f"no deviation #{pk}")
    severity.mark([deviation])
    sync = (
        ComponentSync.objects.filter(component_id=deviation.component_id)
        .defer("rendered_diff")
        .first()
    )
    versions = list(deviation.versions.select_related("commit", "import_run").order_by("-number"))
    earlier_lives = list(
        deviation.earlier_lives.select_related(
            "introduced_commit", "changed_commit", "removed_commit"
        ).order_by("number")
    )
    results = {r.target: r for r in deviation.results.all()}
    reviews = list(deviation.reviews.select_related("reviewer", "version").order_by("-created_at"))
    notes = list(
        deviation.notes.select_related("author").prefetch_related(
            Prefetch(
                "versions",
                queryset=NoteVersion.objects.select_related("author").order_by("-number"),
            )
        )
    )
    trail = list(
        audit_list_rows()
        .filter(object_type="deviation", object_id=str(pk))
        .order_by("-seq")[:TRAIL_LIMIT]
    )
    return DeviationPage(deviation, sync, versions, earlier_lives, results, reviews, notes, trail)


# --- upstream links and suggestions of one deviation ----------------------------


@dataclass
class UpstreamPanel:
    uses: list[DeviationLink]  # its links in the order written, each with its live state
    open: list[UpstreamSuggestion]  # suggestions waiting for a reviewer
    decided: list[UpstreamSuggestion]  # accepted or dismissed, newest first

    @property
    def empty(self) -> bool:
        return not (self.uses or self.open or self.decided)


def upstream_panel(deviation: Deviation) -> UpstreamPanel:
    """What the deviation and review pages show of upstream (2 queries)."""
    uses = list(
        DeviationLink.objects.filter(deviation=deviation)
        .select_related("link")
        .order_by("position")
    )
    suggestions = list(
        UpstreamSuggestion.objects.filter(deviation=deviation)
        .exclude(status=SuggestionStatus.SUPERSEDED)
        .select_related("link", "decided_by")
        .order_by("-created_at", "-pk")
    )
    return UpstreamPanel(
        uses=uses,
        open=[s for s in suggestions if s.status == SuggestionStatus.OPEN],
        decided=[s for s in suggestions if s.status != SuggestionStatus.OPEN][:10],
    )


# --- one config commit -----------------------------------------------------


def config_commit(sha: str) -> ConfigCommit:
    """The commit with this full id, or the only one starting with this prefix (7+ hex)."""
    sha = sha.lower()
    if not _COMMIT_ID.fullmatch(sha):
        raise Http404("a commit id is 7 to 40 hexadecimal digits")
    commit = ConfigCommit.objects.filter(sha=sha).first()
    if commit is None and len(sha) < 40:
        matches = list(ConfigCommit.objects.filter(sha__startswith=sha)[:2])
        commit = matches[0] if len(matches) == 1 else None
    if commit is None:
        raise Http404(f"no config commit {sha}")
    return commit


def introduced_in(commit: ConfigCommit) -> QuerySet[Deviation]:
    return (
        Deviation.objects.filter(introduced_commit=commit)
        .select_related("component")
        .order_by("component__name", "position")
    )


def changed_in(commit: ConfigCommit) -> QuerySet[Deviation]:
    """Deviations whose latest change is this commit (and were introduced earlier)."""
    return (
        Deviation.objects.filter(changed_commit=commit)
        .exclude(introduced_commit=commit)
        .select_related("component", "introduced_commit")
        .order_by("component__name", "position")
    )


def versions_recorded_at(commit: ConfigCommit) -> QuerySet[DeviationVersion]:
    return (
        DeviationVersion.objects.filter(commit=commit)
        .select_related("deviation__component")
        .order_by("deviation__component__name", "deviation__position", "number")
    )


# --- sync runs -------------------------------------------------------------


def upstream_checks(limit: int = 5) -> QuerySet[UpstreamCheck]:
    """The latest upstream checks, newest first."""
    return UpstreamCheck.objects.select_related("triggered_by").order_by("-created_at")[:limit]


def sync_runs() -> QuerySet[SyncRun]:
    return SyncRun.objects.select_related("triggered_by").order_by("-created_at")


def active_sync() -> SyncRun | None:
    return SyncRun.objects.filter(status__in=ACTIVE).order_by("-created_at").first()


def sync_run(pk: int) -> SyncRun:
    run = SyncRun.objects.select_related("triggered_by").filter(pk=pk).first()
    if run is None:
        raise Http404(f"no sync run #{pk}")
    return run


def run_issues(run: SyncRun, kind: str = "") -> QuerySet[SyncRunIssue]:
    """The run's problems by component (only those of `kind` when given)."""
    issues = run.issues.order_by(Lower("component_name"), "component_name", "id")
    return issues.filter(kind=kind) if kind else issues


@dataclass
class ProblemKind:
    kind: str
    label: str
    count: int


def run_problems(run: SyncRun) -> list[ProblemKind]:
    """How many problems of each kind the run met, most first (labels from the vocabulary)."""
    labels = dict(ISSUE_CHOICES)
    counts = run.issues.values_list("kind").annotate(n=Count("id")).order_by("-n", "kind")
    return [ProblemKind(kind, labels.get(kind, kind), n) for kind, n in counts]

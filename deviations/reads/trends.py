"""Trends: the record's numbers over the config's history and over the sync runs.

Config series come from the counts the import keeps per replayed commit
(`ConfigCommit.tally`: one query); review coverage is read from the review history at
up to `REVIEW_POINTS` moments (the deviations in force then, their states then); sync
series from the drift summary each run keeps when it closes (`SyncRun.summary`; runs
from before that have none).  Every chart is a `Chart`: its points are the table beside
it and its CSV.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from deviations.models import (
    AuditChainHead,
    AuditEvent,
    ConfigCommit,
    DeviationSpan,
    Review,
    SyncRun,
)
from deviations.vocabulary import AuditAction, DeviationKind, ReviewState, SyncRunStatus

REVIEW_POINTS = 60
TABLE_ROWS = 25
CACHE_SECONDS = 300


@dataclass
class Point:
    at: dt.datetime
    label: str  # a commit's short sha, a date or a sync run
    values: dict[str, float]
    link: str = ""  # the commit's or the run's id (the page makes the URL)


@dataclass
class Chart:
    name: str  # the URL's name (/trends/<name>.csv)
    title: str
    series: list[tuple[str, str]]  # (key, label)
    points: list[Point] = field(default_factory=list)
    unit: str = ""  # "%" for shares
    about: str = ""

    @property
    def empty(self) -> bool:
        return not self.points

    def rows(self) -> list[list[Any]]:
        return [
            [p.at, p.label, *(p.values.get(key, 0) for key, _ in self.series)] for p in self.points
        ]

    def recent_rows(self) -> list[list[Any]]:
        """The table beside the chart: the latest TABLE_ROWS moves, newest first (the CSV
        has every point)."""
        return self.rows()[-TABLE_ROWS:][::-1]


def _changed_only(points: list[Point]) -> list[Point]:
    """Points where a value changed (and the last), so tables list what moved."""
    out: list[Point] = []
    for point in points:
        if not out or out[-1].values != point.values:
            out.append(point)
    if points and out[-1] is not points[-1]:
        out.append(points[-1])
    return out


# The tally's keys the customized and documented charts read (the overview's two).
_OVERVIEW_KEYS = ("customized", "components", "deviations", "documented")


def config_charts(names: Iterable[str] | None = None) -> list[Chart]:
    """Deviations by kind, customized components, documented share, overlays by category
    and by upstream status (or the charts `names`), one point per replayed commit that
    moved them.  For the customized and documented charts alone only their four counts
    of each commit's tally are read, not the whole tally (a third of the time)."""
    wanted = set(names) if names is not None else None
    commits = (
        ConfigCommit.objects.filter(position__isnull=False).exclude(tally={}).order_by("position")
    )
    rows: list[tuple[str, dt.datetime, dict[str, Any]]]
    if wanted is not None and wanted <= {"customized", "documented"}:
        fields = [f"tally__{key}" for key in _OVERVIEW_KEYS]
        rows = [
            (sha, at, {k: v for k, v in zip(_OVERVIEW_KEYS, counts, strict=True) if v is not None})
            for sha, at, *counts in commits.values_list("sha", "committed_at", *fields)
        ]
    else:
        rows = list(commits.values_list("sha", "committed_at", "tally"))
    kinds: dict[str, list[Point]] = {}
    charts = {
        "kinds": Chart("kinds", "Deviations by kind", []),
        "customized": Chart(
            "customized",
            "Customized components",
            [("customized", "customized"), ("components", "in the config")],
        ),
        "documented": Chart(
            "documented",
            "Documented share",
            [("documented", "documented")],
            unit="%",
            about="Deviations with a description, a TOML comment, a reason field or metadata.",
        ),
        "categories": Chart("categories", "Overlays by category", []),
        "statuses": Chart("statuses", "Overlays by upstream status", []),
    }
    seen: dict[str, set[str]] = {"kinds": set(), "categories": set(), "statuses": set()}
    for sha, at, tally in rows:
        label = sha[:10]
        for name, key in (
            ("kinds", "by_kind"),
            ("categories", "categories"),
            ("statuses", "statuses"),
        ):
            values = {k or "(none)": float(n) for k, n in (tally.get(key) or {}).items()}
            seen[name].update(values)
            charts[name].points.append(Point(at, label, values, sha))
        charts["customized"].points.append(
            Point(
                at,
                label,
                {
                    "customized": tally.get("customized", 0),
                    "components": tally.get("components", 0),
                },
                sha,
            )
        )
        total = tally.get("deviations", 0)
        share = round(100.0 * tally.get("documented", 0) / total, 1) if total else 0.0
        charts["documented"].points.append(Point(at, label, {"documented": share}, sha))
    del kinds
    order = [k.value for k in DeviationKind]
    charts["kinds"].series = [
        (k, DeviationKind(k).label if k in order else k)
        for k in sorted(seen["kinds"], key=lambda k: order.index(k) if k in order else 99)
    ]
    charts["categories"].series = [(k, k) for k in sorted(seen["categories"])]
    charts["statuses"].series = [(k, k) for k in sorted(seen["statuses"])]
    for chart in charts.values():
        chart.points = _changed_only(chart.points)
    return [chart for chart in charts.values() if wanted is None or chart.name in wanted]


def review_chart(now: dt.datetime | None = None) -> Chart:
    """Review coverage over time: of the deviations in force at each moment, how many were
    approved, stale, needing review, or otherwise decided, by the review history."""
    chart = Chart(
        "reviews",
        "Review coverage",
        [
            (ReviewState.APPROVED.value, "approved"),
            (ReviewState.STALE.value, "stale"),
            (ReviewState.NEEDS_REVIEW.value, "needs review"),
            ("other", "changes requested or rejected"),
        ],
    )
    commits: list[tuple[int, dt.datetime, dict[str, Any]]] = [
        (position or 0, at, tally)
        for position, at, tally in ConfigCommit.objects.filter(position__isnull=False)
        .exclude(tally={})
        .order_by("position")
        .values_list("position", "committed_at", "tally")
    ]
    if not commits:
        return chart
    now = now or timezone.now()
    first_review = (
        Review.objects.order_by("created_at").values_list("created_at", flat=True).first()
    )
    start = min(first_review or now, commits[-1][1])
    start = max(start, commits[0][1])
    moments = _moments(start, now, REVIEW_POINTS)
    spans = list(
        DeviationSpan.objects.filter(deviation__isnull=False).values_list(
            "deviation_id", "start", "end"
        )
    )
    events: dict[int, list[tuple[dt.datetime, int, str]]] = {}
    for pk, at, decision in Review.objects.values_list("deviation_id", "created_at", "decision"):
        events.setdefault(pk, []).append((at, 0, decision))
    for object_id, at in AuditEvent.objects.filter(
        action=AuditAction.REVIEW_LAPSED, object_type="deviation"
    ).values_list("object_id", "created_at"):
        events.setdefault(int(object_id), []).append((at, 1, ReviewState.STALE.value))
    for found in events.values():
        found.sort()
    index = 0
    for moment in moments:
        while index + 1 < len(commits) and commits[index + 1][1] <= moment:
            index += 1
        position, _, tally = commits[index]
        live = {
            pk
            for pk, first, last in spans
            if first <= position and (last is None or last > position)
        }
        counts: Counter[str] = Counter()
        for pk in live & events.keys():
            state = ""
            for at, _, value in events[pk]:
                if at > moment:
                    break
                state = value
            if state:
                counts[
                    state if state in (ReviewState.APPROVED, ReviewState.STALE) else "other"
                ] += 1
        decided = sum(counts.values())
        counts[ReviewState.NEEDS_REVIEW.value] = max(0, tally.get("deviations", 0) - decided)
        chart.points.append(
            Point(
                moment, moment.strftime("%Y-%m-%d %H:%M"), {k: float(n) for k, n in counts.items()}
            )
        )
    chart.points = _changed_only(chart.points)
    return chart


def _moments(start: dt.datetime, end: dt.datetime, most: int) -> list[dt.datetime]:
    if end <= start:
        return [end]
    step = (end - start) / (most - 1)
    return [start + step * i for i in range(most - 1)] + [end]


def sync_charts() -> list[Chart]:
    """Components behind their Fedora tip and commits behind, per finished sync run."""
    behind = Chart(
        "behind",
        "Components behind their Fedora tip",
        [("behind", "behind"), ("synced", "synced")],
    )
    commits = Chart(
        "commits-behind",
        "Commits behind Fedora, all components",
        [("commits_behind", "commits behind"), ("failing_at_tip", "overlays failing at tip")],
    )
    for pk, at, summary in (
        SyncRun.objects.filter(status=SyncRunStatus.SUCCEEDED)
        .exclude(summary={})
        .order_by("created_at")
        .values_list("pk", "finished_at", "summary")
    ):
        if at is None:
            continue
        label = f"sync #{pk}"
        behind.points.append(
            Point(at, label, {k: float(summary.get(k, 0)) for k in ("behind", "synced")}, str(pk))
        )
        commits.points.append(
            Point(
                at,
                label,
                {k: float(summary.get(k, 0)) for k in ("commits_behind", "failing_at_tip")},
                str(pk),
            )
        )
    return [behind, commits]


def all_charts() -> dict[str, Chart]:
    """Every chart, cached per audit chain head (imports, syncs and reviews all write one)."""
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    runs = SyncRun.objects.filter(~Q(summary={})).count()
    key = "azldrift:trends:{}:{}:{}".format(*head, runs)
    found = cache.get(key)
    if found is None:
        charts = [*config_charts(), review_chart(), *sync_charts()]
        found = {chart.name: chart for chart in charts}
        cache.set(key, found, CACHE_SECONDS)
    return found


def overview_charts() -> list[Chart]:
    """Customized components and the documented share over the config's history: what the
    overview shows (two queries: the chain head, and the counts when not cached)."""
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    key = "azldrift:trends-overview:{}:{}".format(*head)
    found = cache.get(key)
    if found is None:
        found = config_charts(("customized", "documented"))
        cache.set(key, found, CACHE_SECONDS)
    return found

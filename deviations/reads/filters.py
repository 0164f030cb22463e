"""The filters of the lists: components, deviations, audit events, reviews and
acknowledgements.

One FilterSet per list, shared by the pages, the API and the CSV exports, so a
filtered page, its API call and its export select the same rows by
construction.  Parameter names are the URL's query keys and stay stable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django import forms
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast, Lower

from deviations.core.types import OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES
from deviations.domain import ownership, permissions
from deviations.models import (
    Acknowledgement,
    AuditEvent,
    Component,
    Deviation,
    Review,
    UpstreamSuggestion,
)
from deviations.reads import severity as attention
from deviations.vocabulary import (
    AcknowledgedSubject,
    AcknowledgementState,
    AuditAction,
    Decision,
    DeviationKind,
    Origin,
    ReviewState,
    Severity,
    SpecType,
    SuggestionStatus,
    Verdict,
)
from deviations.vocabulary.ownership import SEVERITY_SUBJECTS

YES_NO = (("yes", "yes"), ("no", "no"))
# Removed records stay (history); lists show current ones unless asked.
REMOVED = (("yes", "removed only"), ("all", "current and removed"))


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


# Ranges of "commits behind the branch tip" (low, high; None = open); the overview's
# histogram counts them and links to the component list filtered by them.
BEHIND_RANGES: dict[str, tuple[str, int, int | None]] = {
    "0": ("up to date", 0, 0),
    "1": ("1", 1, 1),
    "2-5": ("2-5", 2, 5),
    "6-20": ("6-20", 6, 20),
    "21+": ("21 or more", 21, None),
}


def behind_q(key: str, prefix: str = "sync__") -> Q:
    """Condition for one range of BEHIND_RANGES, on components (prefix) or syncs ("")."""
    _, low, high = BEHIND_RANGES[key]
    condition = Q(**{f"{prefix}commits_behind__gte": low})
    if high is not None:
        condition &= Q(**{f"{prefix}commits_behind__lte": high})
    return condition


BEHIND_BUCKETS: dict[str, tuple[str, Q]] = {
    "any": ("behind (1 or more)", Q(sync__commits_behind__gte=1)),
    **{key: (label, behind_q(key)) for key, (label, _, _) in BEHIND_RANGES.items()},
    "unknown": ("not synced", Q(sync__isnull=True) | Q(sync__commits_behind__isnull=True)),
}

REBASE_RISK: dict[str, tuple[str, Q]] = {
    "any": ("fails or no-op at tip", Q(sync__failing_at_tip__gt=0) | Q(sync__noop_at_tip__gt=0)),
    "fail": ("overlays fail at tip", Q(sync__failing_at_tip__gt=0)),
    "noop": ("overlays become no-ops at tip", Q(sync__noop_at_tip__gt=0)),
    "none": ("none", Q(sync__failing_at_tip=0, sync__noop_at_tip=0)),
}


# Sort keys: value -> (label, ORDER BY). Unsynced components sort last on drift keys.
COMPONENT_SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    # Case-insensitive (an index on lower(name), name serves it); the name breaks ties.
    "name": ("name (A to Z)", (Lower("name"), "name")),
    "-name": ("name (Z to A)", (Lower("name").desc(), "-name")),
    "-deviations": ("most deviations", ("-deviation_count", "name")),
    "-behind": (
        "most commits behind",
        (F("sync__commits_behind").desc(nulls_last=True), "name"),
    ),
    "-rebase": (
        "most overlays failing at tip",
        (F("sync__failing_at_tip").desc(nulls_last=True), "name"),
    ),
    "-obsolete": (
        "most obsolete candidates",
        (F("sync__obsolete_count").desc(nulls_last=True), "name"),
    ),
    "-updated": ("recently changed", ("-updated_at", "name")),
}

DEVIATION_SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "component": ("component (A to Z)", (Lower("component__name"), "component__name", "position")),
    "severity": ("most urgent first", (attention.rank(), "component__name", "position")),
    "-updated": ("recently changed", ("-updated_at", "-id")),
    "kind": ("kind", ("kind", "component__name", "position")),
    "review": ("review state", ("review_state", "component__name", "position")),
    "oldest-review": (
        "waiting longest for review",
        (F("review_state_changed_at").asc(nulls_first=True), "id"),
    ),
}


class _Choice(df.ChoiceFilter):
    """A choice whose empty option reads "any" (the filter is off)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "any")
        super().__init__(*args, **kwargs)


class _SortFilter(df.ChoiceFilter):
    """`sort=<key>`: a fixed menu of orderings (explicit ORDER BY with a tiebreaker).

    `unsorted_label` names the order of an unsorted list when its page orders it
    otherwise than `default` (the review queue).
    """

    def __init__(
        self,
        sorts: dict[str, tuple[str, tuple[Any, ...]]],
        default: str,
        *,
        unsorted_label: str = "",
        **kwargs,
    ):
        self.sorts, self.default = sorts, default
        # The default order is the empty choice, so an unsorted URL stays short.
        choices = [(key, label) for key, (label, _) in sorts.items() if key != default]
        empty_label = unsorted_label or sorts[default][0]
        super().__init__(choices=choices, label="Sort by", empty_label=empty_label, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.order_by(*self.sorts[value or self.default][1])


class _BucketFilter(_Choice):
    """A choice whose every value is a ready-made condition."""

    def __init__(self, buckets: dict[str, tuple[str, Q]], **kwargs):
        self.buckets = buckets
        choices = [(key, label) for key, (label, _) in buckets.items()]
        super().__init__(choices=choices, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(self.buckets[value][1]) if value else qs


def _removed_only(qs: QuerySet, name: str, value: str) -> QuerySet:
    return qs.filter(removed=True) if value == "yes" else qs


class _RemovedFilter(_Choice):
    """`removed=yes`: only records removed from the config; `all`: current and removed.

    Unset, the list shows current records only: its FilterSet's `filter_queryset` adds
    that condition, written as each list's query plan wants it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Removed from config")
        kwargs.setdefault("empty_label", "current only")
        super().__init__(choices=REMOVED, method=_removed_only, **kwargs)


def _yes_no(qs: QuerySet, value: str, condition: Q) -> QuerySet:
    if value == "yes":
        return qs.filter(condition)
    if value == "no":
        return qs.exclude(condition)
    return qs


class ComponentFilter(df.FilterSet):
    """Components: search, drift and "has a deviation that ..." filters.

    The deviation-level filters (kind, overlay type, category, upstream status,
    review state) combine on ONE deviation: "has an overlay of category X that
    needs review" means the same overlay, not any two.
    """

    q = df.CharFilter(label="Name", method="filter_name")
    has_deviations = _Choice(label="Has deviations", choices=YES_NO, method="filter_has_deviations")
    kind = _Choice(label="Deviation kind", choices=DeviationKind.choices, method="keep")
    overlay_type = _Choice(label="Overlay type", choices=_choices(OVERLAY_TYPES), method="keep")
    category = _Choice(label="Category", choices=_choices(OVERLAY_CATEGORIES), method="keep")
    upstream_status = _Choice(
        label="Upstream status", choices=_choices(UPSTREAM_STATUSES), method="keep"
    )
    review_state = _Choice(label="Review state", choices=ReviewState.choices, method="keep")
    behind = _BucketFilter(BEHIND_BUCKETS, label="Behind tip")
    rebase_risk = _BucketFilter(REBASE_RISK, label="Rebase risk")
    obsolete = _Choice(label="Obsolete candidates", choices=YES_NO, method="filter_obsolete")
    sync_error = _Choice(label="Sync or render error", choices=YES_NO, method="filter_sync_error")
    severity = _Choice(label="Needs attention", choices=Severity.choices, method="filter_severity")
    documented = _Choice(label="Documented", choices=YES_NO, method="filter_documented")
    upstream_newer = _Choice(
        label="Upstream newer than Fedora", choices=YES_NO, method="filter_upstream_newer"
    )
    spec_type = _Choice(label="Spec", choices=SpecType.choices)
    owner = df.CharFilter(label="Owner", field_name="owner__name")
    overdue = _Choice(label="Overdue", choices=YES_NO, method="filter_overdue")
    drift_acknowledged = _Choice(
        label="Drift acknowledged today", choices=YES_NO, method="filter_drift_acknowledged"
    )
    removed = _RemovedFilter()
    sort = _SortFilter(COMPONENT_SORTS, default="name")

    DEVIATION_FIELDS = ("kind", "overlay_type", "category", "upstream_status", "review_state")

    class Meta:
        model = Component
        fields: list[str] = []

    def keep(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs  # applied together in filter_queryset

    def filter_name(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(name__icontains=value) if value else qs

    def filter_has_deviations(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, Q(deviation_count__gt=0))

    def filter_obsolete(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, Q(sync__obsolete_count__gt=0))

    def filter_sync_error(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # A render failure is a sync problem too (the component's overlays did not render).
        return _yes_no(qs, value, attention.component_q(Severity.SYNC_PROBLEM))

    def filter_severity(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(attention.component_q(Severity(value))) if value else qs

    def filter_documented(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """yes: it has deviations and every one is documented; no: one is not."""
        undocumented = Deviation.objects.filter(removed=False, documented=False)
        lacking = Q(pk__in=undocumented.values("component_id"))
        if value == "no":
            return qs.filter(lacking)
        if value == "yes":
            return qs.filter(deviation_count__gt=0).exclude(lacking)
        return qs

    def filter_upstream_newer(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, Q(upstream_release__newer_than_fedora=True))

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, ownership.overdue_q(ownership.today()))

    def filter_drift_acknowledged(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        held = ownership.holding().filter(subject=AcknowledgedSubject.DRIFT)
        return _yes_no(qs, value, Q(pk__in=held.values("component_id")))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("removed"):
            # Written as NOT(removed) on purpose: "removed = false" lets SQLite pick the
            # (useless, nearly every row matches) removed index and sort all 7,583 rows
            # for a page of 50, instead of walking the name index (7 ms -> 0.1 ms).
            queryset = queryset.exclude(removed=True)
        wanted = {field: data[field] for field in self.DEVIATION_FIELDS if data.get(field)}
        if wanted:
            # An uncorrelated IN (computed once) rather than EXISTS per component row:
            # SQLite would otherwise rescan the deviations for each of 7,583 components.
            matching = Deviation.objects.filter(removed=False, **wanted)
            queryset = queryset.filter(pk__in=matching.values("component_id"))
        return queryset


class DeviationFilter(df.FilterSet):
    q = df.CharFilter(label="Search", method="filter_text")
    component = df.CharFilter(label="Component", field_name="component__name")
    kind = _Choice(label="Kind", choices=DeviationKind.choices)
    overlay_type = _Choice(label="Overlay type", choices=_choices(OVERLAY_TYPES))
    category = _Choice(label="Category", choices=_choices(OVERLAY_CATEGORIES))
    upstream_status = _Choice(label="Upstream status", choices=_choices(UPSTREAM_STATUSES))
    review_state = _Choice(label="Review state", choices=ReviewState.choices)
    verdict_at_pin = _Choice(label="Verdict at pin", choices=Verdict.choices)
    verdict_at_tip = _Choice(label="Verdict at tip", choices=Verdict.choices)
    severity = _Choice(
        label="Needs attention",
        choices=[(s.value, s.label) for s in Severity if s != Severity.SYNC_PROBLEM],
        method="filter_severity",
    )
    documented = _Choice(label="Documented", choices=YES_NO, method="filter_documented")
    obsolete = _Choice(label="Obsolete candidate", choices=YES_NO, method="filter_obsolete")
    has_suggestion = _Choice(
        label="Has upstream suggestion", choices=YES_NO, method="filter_has_suggestion"
    )
    author = df.CharFilter(label="Introduced by", method="filter_author")
    commit = df.CharFilter(label="Introduced in commit", method="filter_commit")
    owner = df.CharFilter(label="Owner", field_name="owner__name")
    overdue = _Choice(label="Overdue", choices=YES_NO, method="filter_overdue")
    acknowledged = _Choice(label="Acknowledged today", choices=YES_NO, method="filter_acknowledged")
    not_acknowledged = _Choice(
        label="Not acknowledged as",
        choices=[(s.value, s.label) for s in SEVERITY_SUBJECTS],
        method="filter_not_acknowledged",
    )
    no_expiry = _Choice(label="Temporary, no due date", choices=YES_NO, method="filter_no_expiry")
    removed = _RemovedFilter()
    sort = _SortFilter(DEVIATION_SORTS, default="component")

    class Meta:
        model = Deviation
        fields: list[str] = []

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.alias(metadata_text=Cast("current_version__metadata", TextField())).filter(
            Q(description__icontains=value)
            | Q(component__name__icontains=value)
            | Q(key__icontains=value)
            # The justification beside the description: TOML comment, reason, metadata.
            | Q(current_version__comment__icontains=value)
            | Q(current_version__reason__icontains=value)
            | Q(metadata_text__icontains=value)
        )

    def filter_obsolete(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, Q(obsolete=True))

    def filter_severity(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(attention.deviation_q(Severity(value))) if value else qs

    def filter_documented(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, Q(documented=True))

    def filter_overdue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, ownership.overdue_q(ownership.today()))

    def filter_no_expiry(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _yes_no(qs, value, ownership.no_expiry_q())

    def filter_acknowledged(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # Something on it holds acknowledged today (a failure, no-op, obsolete flag or
        # suggestion): an uncorrelated IN over the holding rule.
        held = ownership.holding().exclude(subject=AcknowledgedSubject.DRIFT)
        return _yes_no(qs, value, Q(pk__in=held.values("deviation_id")))

    def filter_not_acknowledged(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # What a needs-attention tile leaves out: the deviations acknowledged today for
        # what puts them in that state (a failure at the tip for "breaks on rebase").
        if not value:
            return qs
        held = ownership.holding().filter(subject__in=SEVERITY_SUBJECTS[Severity(value)])
        return qs.exclude(pk__in=held.values("deviation_id"))

    def filter_has_suggestion(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # An uncorrelated IN, as the component filter's deviation conditions.
        suggested = UpstreamSuggestion.objects.filter(status=SuggestionStatus.OPEN)
        return _yes_no(qs, value, Q(pk__in=suggested.values("deviation_id")))

    def filter_author(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(introduced_commit__author_name__icontains=value)
            | Q(introduced_commit__author_email__iexact=value)
        )

    def filter_commit(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().lower()
        return qs.filter(introduced_commit__sha__startswith=value) if value else qs

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("removed"):
            queryset = queryset.filter(removed=False)
        return queryset


class QueueFilter(DeviationFilter):
    """The review queue: the deviation list's filters and sorts (the same URLs, the same
    CSV export), but unsorted it lists the deviations waiting longest first
    (`queries.queue_order`), and its sort menu says so."""

    sort = _SortFilter(
        DEVIATION_SORTS, default="component", unsorted_label="waiting longest (oldest first)"
    )
    may_decide = _Choice(
        label="I may decide",
        choices=(("yes", "only what I may approve"),),
        method="filter_may_decide",
        empty_label="everything waiting",
    )

    def filter_may_decide(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # Four eyes, for the user asking (the page passes its request; without one,
        # the CSV export, the filter is off).
        user = getattr(self.request, "user", None)
        if value != "yes" or user is None:
            return qs
        return permissions.approvable(user, qs)


# Every action the trail records (the vocabulary), in the order of their names.
AUDIT_ACTIONS = sorted((action.value, action.value) for action in AuditAction)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _day_after(day: dt.date) -> dt.datetime:
    # `until` is inclusive: everything before the next day starts (no next day after 9999-12-31).
    return _day_start(day + dt.timedelta(days=1))


def _created_since(qs: QuerySet, name: str, value: dt.date) -> QuerySet:
    return qs.filter(created_at__gte=_day_start(value))


def _created_until(qs: QuerySet, name: str, value: dt.date) -> QuerySet:
    return qs if value >= dt.date.max else qs.filter(created_at__lt=_day_after(value))


class AuditEventFilter(df.FilterSet):
    """The audit log; times are whole days in UTC, both ends inclusive."""

    actor = df.CharFilter(label="Actor", field_name="actor_label")
    action = _Choice(label="Action", choices=AUDIT_ACTIONS)
    component = df.CharFilter(label="Component", field_name="component_name")
    object_type = df.CharFilter(label="Object type", field_name="object_type")
    object_id = df.CharFilter(label="Object id", field_name="object_id")
    origin = _Choice(label="Origin", choices=Origin.choices)
    since = df.DateFilter(label="From (UTC)", method=_created_since)
    until = df.DateFilter(label="Until (UTC)", method=_created_until)

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by("-seq")


class _IdFilter(df.NumberFilter):
    """A record id: whole numbers in the database's range (junk is a form error, not a 500)."""

    # The stubs pin NumberFilter.field_class to DecimalField; django-filter takes any field.
    field_class = forms.IntegerField  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ReviewFilter(df.FilterSet):
    """The review history (every decision), newest first; times are whole days in UTC."""

    component = df.CharFilter(label="Component", field_name="deviation__component__name")
    deviation = _IdFilter(label="Deviation", field_name="deviation_id")
    reviewer = df.CharFilter(label="Reviewer", field_name="reviewer__username")
    decision = _Choice(label="Decision", choices=Decision.choices)
    since = df.DateFilter(label="From (UTC)", method=_created_since)
    until = df.DateFilter(label="Until (UTC)", method=_created_until)

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by("-created_at", "-pk")


class AcknowledgementFilter(df.FilterSet):
    """Acknowledgements, newest first: of a component, about a subject, by whom, in a
    state as recorded (`state`; what holds today is computed, see reads.ownership)."""

    component = df.CharFilter(label="Component", field_name="component__name")
    deviation = _IdFilter(label="Deviation", field_name="deviation_id")
    subject = _Choice(label="About", choices=AcknowledgedSubject.choices)
    state = _Choice(label="Recorded state", choices=AcknowledgementState.choices)
    by = df.CharFilter(label="Acknowledged by", field_name="created_by__username")

    class Meta:
        model = Acknowledgement
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by("-created_at", "-pk")

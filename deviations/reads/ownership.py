"""Owners, due dates and acknowledgements as pages, the API, exports and digests read them.

Everything time-dependent is computed when read, against `today()` (never stored, so never
stale): overdue is a due date before today on something still in the config; an
acknowledgement holds while today is before its expiry date and its basis is unchanged
(`domain.ownership.holding`, the one rule).  The function names here are used by other
parts of the app (the "Mine" page, feeds, digests): keep them stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from deviations.domain import permissions
from deviations.domain.ownership import (
    MAX_ACKNOWLEDGEMENT_DAYS,
    holding,
    no_expiry_q,
    overdue_q,
    state_of,
    temporary_q,
    today,
)
from deviations.models import (
    Acknowledgement,
    AuditChainHead,
    Component,
    ComponentSync,
    Deviation,
    Owner,
    UpstreamSuggestion,
)
from deviations.reads import attention as attention_board
from deviations.vocabulary import (
    AcknowledgedSubject,
    AcknowledgementState,
    OwnershipFinding,
    Severity,
    SuggestionStatus,
    Verdict,
)
from deviations.vocabulary.ownership import SEVERITY_SUBJECTS, TEMPORARY_CATEGORY

__all__ = [
    "Attention",
    "acknowledgement_rows",
    "acknowledgements_ended_since",
    "acknowledgements_expiring_soon",
    "acknowledgements_of",
    "attention",
    "attention_today",
    "board_cached",
    "board_today",
    "holding",
    "no_expiry_deviations",
    "overdue_by_owner",
    "overdue_components",
    "overdue_deviations",
    "owned_components",
    "owned_deviations",
    "panel",
    "people",
    "state_of",
    "temporary_q",
    "today",
    "with_acknowledgements",
    "with_states",
]

# "Soon", for acknowledgements about to expire.
SOON_DAYS = 7


def overdue_deviations(
    owner: User | None = None, day: dt.date | None = None
) -> QuerySet[Deviation]:
    """Deviations past their due date and still in the config, oldest due first; only
    those `owner` owns when given.  Selects the component and owner."""
    rows = Deviation.objects.filter(overdue_q(day or today()))
    if owner is not None:
        rows = rows.filter(owner__user=owner)
    return rows.select_related("component", "owner").order_by(
        "due_date", "component__name", "position"
    )


def overdue_components(
    owner: User | None = None, day: dt.date | None = None
) -> QuerySet[Component]:
    """Components past their due date and still in the config, oldest due first; only those
    `owner` owns when given."""
    rows = Component.objects.filter(overdue_q(day or today()))
    if owner is not None:
        rows = rows.filter(owner__user=owner)
    return rows.select_related("owner").order_by("due_date", "name")


def owned_deviations(user: User) -> QuerySet[Deviation]:
    """Deviations still in the config that `user` owns (set in the app or proposed by the
    config and matched to them), by component and position."""
    return (
        Deviation.objects.filter(removed=False, owner__user=user)
        .select_related("component", "owner")
        .order_by("component__name", "position")
    )


def owned_components(user: User) -> QuerySet[Component]:
    """Components still in the config that `user` owns, by name."""
    return Component.objects.filter(removed=False, owner__user=user).order_by("name")


def no_expiry_deviations() -> QuerySet[Deviation]:
    """Temporary workarounds still in the config without a due date (the "no expiry"
    finding), by component and position."""
    return (
        Deviation.objects.filter(no_expiry_q())
        .select_related("component", "owner")
        .order_by("component__name", "position")
    )


def acknowledgement_rows() -> QuerySet[Acknowledgement]:
    """Every acknowledgement, newest first, with what it is about and who made it."""
    return Acknowledgement.objects.select_related(
        "component", "deviation", "created_by", "suggestion__link"
    ).order_by("-created_at", "-pk")


def acknowledgements_expiring_soon(
    user: User, within_days: int = SOON_DAYS, day: dt.date | None = None
) -> QuerySet[Acknowledgement]:
    """Acknowledgements `user` made that still hold and expire within `within_days` days
    (today included), soonest first."""
    day = day or today()
    return (
        holding(day)
        .filter(created_by=user, expires_on__lte=day + dt.timedelta(days=within_days))
        .select_related("component", "deviation")
        .order_by("expires_on", "pk")
    )


def acknowledgements_ended_since(
    user: User | None, since: dt.datetime
) -> QuerySet[Acknowledgement]:
    """Acknowledgements (made by `user`, when given) that `manage.py expire` recorded as
    expired or lapsed since `since`, oldest first."""
    rows = Acknowledgement.objects.filter(
        state__in=[AcknowledgementState.EXPIRED, AcknowledgementState.BASIS_CHANGED],
        ended_at__gte=since,
    )
    if user is not None:
        rows = rows.filter(created_by=user)
    return rows.select_related("component", "deviation").order_by("ended_at", "pk")


def acknowledgements_of(component: Component, day: dt.date | None = None) -> list[Acknowledgement]:
    """A component's acknowledgements (its drift and its deviations'), newest first, each
    with its state today as `state_now` (2 queries)."""
    day = day or today()
    rows = list(
        Acknowledgement.objects.filter(component=component)
        .select_related("created_by", "deviation", "suggestion__link")
        .order_by("-created_at", "-pk")
    )
    held = set(holding(day).filter(component=component).values_list("pk", flat=True))
    return _states(rows, held, day)


@dataclass
class Attention:
    """What needs attention, and how much of it is acknowledged for now."""

    behind: int = 0  # components behind their tip, not acknowledged
    behind_acknowledged: int = 0
    failing_at_tip: int = 0
    failing_acknowledged: int = 0
    noop_at_tip: int = 0
    noop_acknowledged: int = 0
    obsolete: int = 0
    obsolete_acknowledged: int = 0
    suggestions: int = 0  # open suggestions, not acknowledged
    suggestions_acknowledged: int = 0
    overdue: int = 0  # deviations and components
    no_expiry: int = 0


def attention(day: dt.date | None = None) -> Attention:
    """The "needs attention" counts with acknowledged items taken out, for `day` (today):
    4 queries (5 when a suggestion is acknowledged), whatever the number of rows."""
    day = day or today()
    open_suggestion = UpstreamSuggestion.objects.filter(
        deviation=OuterRef("pk"), status=SuggestionStatus.OPEN
    )
    totals = Deviation.objects.filter(removed=False).aggregate(
        failing=Count("id", filter=Q(verdict_at_tip=Verdict.FAILED)),
        noop=Count("id", filter=Q(verdict_at_tip=Verdict.NOOP)),
        obsolete=Count("id", filter=Q(obsolete=True)),
        suggested=Count("id", filter=Q(Exists(open_suggestion))),
        overdue=Count("id", filter=overdue_q(day)),
        no_expiry=Count("id", filter=no_expiry_q()),
    )
    components = Component.objects.filter(removed=False).aggregate(
        behind=Count("id", filter=Q(sync__commits_behind__gte=1)),
        overdue=Count("id", filter=overdue_q(day)),
    )
    held: dict[str, int] = {}
    for subject, n_components, n_deviations in (
        holding(day)
        .values_list("subject")
        .annotate(c=Count("component_id", distinct=True), d=Count("deviation_id", distinct=True))
        .order_by()
    ):
        held[subject] = n_components if subject == AcknowledgedSubject.DRIFT else n_deviations
    suggested_held = _suggested_and_held(day) if AcknowledgedSubject.SUGGESTION in held else 0
    return Attention(
        behind=components["behind"] - held.get(AcknowledgedSubject.DRIFT, 0),
        behind_acknowledged=held.get(AcknowledgedSubject.DRIFT, 0),
        failing_at_tip=totals["failing"] - held.get(AcknowledgedSubject.FAILING_AT_TIP, 0),
        failing_acknowledged=held.get(AcknowledgedSubject.FAILING_AT_TIP, 0),
        noop_at_tip=totals["noop"] - held.get(AcknowledgedSubject.NOOP_AT_TIP, 0),
        noop_acknowledged=held.get(AcknowledgedSubject.NOOP_AT_TIP, 0),
        obsolete=totals["obsolete"] - held.get(AcknowledgedSubject.OBSOLETE, 0),
        obsolete_acknowledged=held.get(AcknowledgedSubject.OBSOLETE, 0),
        suggestions=totals["suggested"] - suggested_held,
        suggestions_acknowledged=suggested_held,
        overdue=totals["overdue"] + components["overdue"],
        no_expiry=totals["no_expiry"],
    )


# As the overview's totals (reads.queries.OVERVIEW_CACHE_SECONDS): every change the counts
# depend on (syncs, imports, owners, due dates, acknowledgements) is an audit event, so the
# chain head and the day identify them; the timeout bounds anything written outside that.
ATTENTION_CACHE_SECONDS = 300


def attention_today() -> Attention:
    """attention() for today, cached per day and audit chain head (1 query when warm):
    the overview's.  A new day, or any audited change, reads afresh."""
    day = today()
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    key = f"azldrift:attention:{day.isoformat()}:{head[0]}:{head[1]}"
    found = cache.get(key)
    if found is None:
        found = attention(day)
        cache.set(key, found, ATTENTION_CACHE_SECONDS)
    return found


def _suggested_and_held(day: dt.date) -> int:
    """Deviations whose every open suggestion is acknowledged (they leave the count)."""
    held = set(
        holding(day)
        .filter(subject=AcknowledgedSubject.SUGGESTION)
        .values_list("deviation_id", "suggestion_id")
    )
    if not held:
        return 0
    open_by_deviation: dict[int, set[int]] = {}
    for deviation_id, suggestion_id in Deviation.objects.filter(
        pk__in={d for d, _ in held}, removed=False, suggestions__status=SuggestionStatus.OPEN
    ).values_list("pk", "suggestions__pk"):
        open_by_deviation.setdefault(deviation_id, set()).add(suggestion_id)
    return sum(
        1
        for deviation_id, open_ids in open_by_deviation.items()
        if open_ids <= {s for d, s in held if d == deviation_id}
    )


def overdue_by_owner(day: dt.date | None = None) -> list[tuple[str, int]]:
    """(owner name, overdue deviations and components) for every owner with any, most
    first; nobody's items under "" (2 queries)."""
    day = day or today()
    counts: dict[str, int] = {}
    for model in (Deviation, Component):
        for name, n in (
            model.objects.filter(overdue_q(day))
            .values_list("owner__name")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counts[name or ""] = counts.get(name or "", 0) + n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def owners() -> QuerySet[Owner]:
    """Every owner, by name."""
    return Owner.objects.order_by("name")


# --- the panel of a deviation's or component's page ---------------------------------------


@dataclass
class Panel:
    """What a deviation's or component's page shows of its owner, due date and
    acknowledgements, and what the reader may do there."""

    target: Deviation | Component
    is_component: bool
    overdue: bool
    no_expiry: bool
    acknowledgements: list[Acknowledgement]  # each with `state_now`
    refusal: str | None  # why the reader may not change any of it (None: may)
    subjects: list[tuple[str, str]]  # what can be acknowledged now (value, label)
    suggestions: list[UpstreamSuggestion]  # open ones, for a suggestion's acknowledgement
    people: list[User]  # who can be made owner
    today: dt.date
    latest_expiry: dt.date  # the form's bounds

    @property
    def held(self) -> list[Acknowledgement]:
        return [
            a
            for a in self.acknowledgements
            if getattr(a, "state_now", None) == AcknowledgementState.ACTIVE
        ]


def _states(rows: list[Acknowledgement], held: set[int], day: dt.date) -> list[Acknowledgement]:
    for ack in rows:
        if ack.state != AcknowledgementState.ACTIVE:
            now = AcknowledgementState(ack.state)
        elif ack.expires_on <= day:
            now = AcknowledgementState.EXPIRED
        elif ack.pk in held:
            now = AcknowledgementState.ACTIVE
        else:
            now = AcknowledgementState.BASIS_CHANGED
        setattr(ack, "state_now", now)  # noqa: B010  (for the template)
    return rows


def people() -> list[User]:
    """Who may be made an owner: active accounts holding a role, by username."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=permissions.ROLES))
        .distinct()
        .order_by("username")
    )


def panel(
    target: Deviation | Component,
    user: permissions.Asker,
    *,
    sync: ComponentSync | None = None,
    open_suggestions: list[UpstreamSuggestion] | None = None,
) -> Panel:
    """The ownership panel of `target`'s page for `user`: its acknowledgements (1 query,
    and 1 more to tell which hold when any is recorded active) and, when the user may
    change them, who can own it (1).  A component's page passes its `sync`, a deviation's
    its open suggestions, as the page loaded them already."""
    day = today()
    is_component = isinstance(target, Component)
    found = Acknowledgement.objects.select_related("created_by", "suggestion__link").order_by(
        "-created_at", "-pk"
    )
    mine = (
        found.filter(component_id=target.pk, deviation__isnull=True)
        if is_component
        else found.filter(deviation_id=target.pk)
    )
    rows = list(mine[:50])
    active = [a.pk for a in rows if a.state == AcknowledgementState.ACTIVE]
    held = set(holding(day).filter(pk__in=active).values_list("pk", flat=True)) if active else set()
    refusal = permissions.acknowledgement_refusal(user, target)
    subjects: list[tuple[str, str]] = []
    suggestions: list[UpstreamSuggestion] = []
    no_expiry = False
    if isinstance(target, Component):
        if sync is not None and (sync.commits_behind or 0) > 0:
            subjects.append((AcknowledgedSubject.DRIFT.value, AcknowledgedSubject.DRIFT.label))
    else:
        conditions = {
            AcknowledgedSubject.FAILING_AT_TIP: target.verdict_at_tip == Verdict.FAILED,
            AcknowledgedSubject.NOOP_AT_TIP: target.verdict_at_tip == Verdict.NOOP,
            AcknowledgedSubject.OBSOLETE: target.obsolete,
        }
        subjects = [(s.value, s.label) for s, true in conditions.items() if true]
        suggestions = list(open_suggestions or [])
        if suggestions:
            subjects.append(
                (AcknowledgedSubject.SUGGESTION.value, AcknowledgedSubject.SUGGESTION.label)
            )
        version = target.current_version
        temporary = target.category == TEMPORARY_CATEGORY or bool(
            version is not None and (version.metadata or {}).get("temporary") is True
        )
        no_expiry = temporary and target.due_date is None and not target.removed
    overdue = bool(target.due_date and target.due_date < day and not target.removed)
    return Panel(
        target=target,
        is_component=is_component,
        overdue=overdue,
        no_expiry=no_expiry,
        acknowledgements=_states(rows, held, day),
        refusal=refusal,
        subjects=subjects,
        suggestions=suggestions,
        people=people() if refusal is None else [],
        today=day,
        latest_expiry=day + dt.timedelta(days=MAX_ACKNOWLEDGEMENT_DAYS),
    )


# --- the API's rows -----------------------------------------------------------------------


def _held_for(model: type[Deviation] | type[Component], day: dt.date) -> QuerySet[Acknowledgement]:
    rows = holding(day).order_by("expires_on", "pk")
    if model is Component:
        return rows.filter(subject=AcknowledgedSubject.DRIFT)
    return rows.exclude(subject=AcknowledgedSubject.DRIFT)


def with_acknowledgements(
    rows: QuerySet[Deviation] | QuerySet[Component], day: dt.date | None = None
) -> Any:
    """`rows` with their owner, and what holds acknowledged on `day` (today) as
    `held_acknowledgements` (a component: its drift; a deviation: the rest), soonest
    expiry first: one query more a page."""
    model = rows.model
    return rows.select_related("owner").prefetch_related(
        Prefetch(
            "acknowledgements",
            queryset=_held_for(model, day or today()),
            to_attr="held_acknowledgements",
        )
    )


def held_acknowledgements_of(
    obj: Deviation | Component, day: dt.date | None = None
) -> QuerySet[Acknowledgement]:
    """What holds acknowledged on `obj` today (as with_acknowledgements), one query."""
    rows = _held_for(type(obj), day or today())
    if isinstance(obj, Component):
        return rows.filter(component_id=obj.pk)
    return rows.filter(deviation_id=obj.pk)


def with_states(rows: list[Acknowledgement], day: dt.date | None = None) -> list[Acknowledgement]:
    """Each of `rows` with its state today as `state_now` (one query)."""
    day = day or today()
    active = [a.pk for a in rows if a.state == AcknowledgementState.ACTIVE]
    held = set(holding(day).filter(pk__in=active).values_list("pk", flat=True)) if active else set()
    return _states(rows, held, day)


# --- the overview's needs-attention board, for today ----------------------------------------


def _tile_link(view: str, params: dict[str, str]) -> str:
    return f"{reverse(view)}?{urlencode(params)}"


def board_today(board: list[attention_board.Tile], counts: Attention) -> list[attention_board.Tile]:
    """The overview's board (reads.attention.board, cached per audit chain head) for today:
    the deviations acknowledged for what puts them in a state leave that tile (its link
    says `not_acknowledged`, so the list holds what it counts), then the tiles of drift not
    acknowledged, overdue and temporary workarounds with no expiry.  One grouped read a
    tile that has acknowledged items (none when nothing is acknowledged); `counts` is
    attention_today()."""
    day = today()
    acknowledged = {
        Severity.BREAKS_ON_REBASE: counts.failing_acknowledged,
        Severity.OBSOLETE_CANDIDATE: counts.noop_acknowledged + counts.obsolete_acknowledged,
    }
    tiles = []
    for tile in board:
        subjects = SEVERITY_SUBJECTS.get(Severity(tile.key)) if tile.key in Severity else None
        if subjects and acknowledged.get(Severity(tile.key)):
            held = holding(day).filter(subject__in=subjects).values("deviation_id")
            scope = Deviation.objects.filter(removed=False).exclude(pk__in=held)
            narrowed = next(
                t
                for t in attention_board.board(scope, {"not_acknowledged": tile.key}, problems=0)
                if t.key == tile.key
            )
            left_out = tile.count - narrowed.count
            tile = replace(
                narrowed,
                label=f"{tile.label}, not acknowledged" if left_out else tile.label,
                description=f"{tile.description} ({left_out} acknowledged, left out until "
                "they expire or change.)",
            )
        tiles.append(tile)
    tiles += [
        attention_board.Tile(
            key="drift",
            label="components drifting, not acknowledged",
            description="Behind their branch tip; acknowledged drift is left out "
            f"({counts.behind_acknowledged} now) until it expires or the tip moves.",
            count=counts.behind,
            url=_tile_link("components", {"behind": "any", "drift_acknowledged": "no"}),
            noun="components",
        ),
        attention_board.Tile(
            key=OwnershipFinding.OVERDUE,
            label="overdue",
            description=OwnershipFinding.OVERDUE.description + " (deviations and components)",
            count=counts.overdue,
            url=reverse("overdue"),
            tone="bad",
        ),
        attention_board.Tile(
            key=OwnershipFinding.NO_EXPIRY,
            label="temporary, no expiry",
            description=OwnershipFinding.NO_EXPIRY.description,
            count=counts.no_expiry,
            url=_tile_link("deviations", {"no_expiry": "yes"}),
        ),
    ]
    return tiles


def board_cached(board: list[attention_board.Tile]) -> list[attention_board.Tile]:
    """board_today() for the overview, cached per day and audit chain head as its counts."""
    day = today()
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    key = f"azldrift:board:{day.isoformat()}:{head[0]}:{head[1]}"
    found = cache.get(key)
    if found is None:
        found = board_today(board, attention(day))
        cache.set(key, found, ATTENTION_CACHE_SECONDS)
    return list(found)

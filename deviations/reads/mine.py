"""One user's own view of the record: the "Mine" page and its feed.

"Mine" is a deviation whose introducing or last-changing config commit is the user's by
their git identities or account e-mail (the rule four eyes uses,
deviations.domain.permissions.authored), or one they own (its owner is their account,
reads.ownership.owned_deviations).  `SECTIONS` names what the page shows, in order: my work
that needs me, my overdue items (deviations and components I own past their due date),
everything of mine, the reviews waiting for me, the acknowledgements I made that expire
soon, and my watches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from deviations.domain import permissions
from deviations.models import AuditEvent, ConfigCommit, Deviation, FeedToken, Watch
from deviations.reads import ownership, queries
from deviations.vocabulary import ReviewState, Verdict, WatchKind

LIST_LIMIT = 200  # deviations a section lists before linking to the full list
WAITING_LIMIT = 20


def _my_commits(user: User) -> QuerySet[Any, Any] | None:
    emails, names = permissions.identities(user)
    if not (emails or names):
        return None
    matching = Q(email_lc__in=emails) if emails else Q(pk__in=[])
    if names:
        matching |= Q(name_lc__in=names)
    return (
        ConfigCommit.objects.annotate(email_lc=Lower("author_email"), name_lc=Lower("author_name"))
        .filter(matching)
        .values("pk")
    )


def authored(user: User) -> QuerySet[Deviation]:
    """The current deviations the user authored (introducing or last-changing commit)."""
    commits = _my_commits(user)
    if commits is None:
        return Deviation.objects.none()
    return Deviation.objects.filter(
        Q(introduced_commit__in=commits) | Q(changed_commit__in=commits), removed=False
    )


def owned(user: User) -> QuerySet[Deviation]:
    """The current deviations the user owns (their account is the deviation's owner)."""
    return Deviation.objects.filter(removed=False, owner__user=user)


def mine(user: User) -> QuerySet[Deviation]:
    return authored(user) | owned(user)


def watched_components(user: User) -> list[str]:
    return list(
        Watch.objects.filter(user=user, kind=WatchKind.COMPONENT).values_list(
            "component__name", flat=True
        )
    )


def events(user: User, limit: int = 50) -> list[AuditEvent]:
    """The latest events about the user's deviations and the components they watch."""
    ids = [str(pk) for pk in mine(user).values_list("pk", flat=True)]
    about = Q(object_type="deviation", object_id__in=ids) if ids else Q(pk__in=[])
    names = watched_components(user)
    if names:
        about |= Q(component_name__in=names)
    return list(queries.audit_list_rows().filter(about).order_by("-seq")[:limit])


@dataclass
class Section:
    """One part of the page: a title, its rows (a template's partial shows them), a total."""

    name: str  # the partial of mine/mine.html that shows it
    title: str
    rows: list[Any]
    total: int
    more: str = ""  # a link to everything, when the rows are not all
    extra: dict[str, Any] = field(default_factory=dict)


def _authored_section(user: User) -> Section:
    rows = (
        mine(user)
        .select_related("component", "introduced_commit")
        .order_by("component__name", "position")
    )
    listed = list(rows[: LIST_LIMIT + 1])
    return Section("deviations", "Deviations I authored or own", listed[:LIST_LIMIT], rows.count())


def _attention_section(user: User) -> Section:
    """My work that needs me: changes requested or rejected, failing at the pin or the tip."""
    rows = (
        mine(user)
        .filter(
            Q(review_state__in=[ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED])
            | Q(verdict_at_pin=Verdict.FAILED)
            | Q(verdict_at_tip=Verdict.FAILED)
        )
        .select_related("component", "introduced_commit")
        .order_by("component__name", "position")
    )
    listed = list(rows[: LIST_LIMIT + 1])
    return Section("attention", "My work that needs me", listed[:LIST_LIMIT], rows.count())


def _waiting_section(user: User) -> Section | None:
    """Reviews waiting for me: the queue, less what four eyes keeps from me, oldest first."""
    if not permissions.can_review(user):
        return None
    rows = queries.queue_order(queries.queue_rows().exclude(pk__in=mine(user).values("pk")), None)
    return Section(
        "waiting", "Reviews waiting for me", list(rows[:WAITING_LIMIT]), rows.count(), more="queue"
    )


def _overdue_section(user: User) -> Section:
    """Deviations and components I own that are past their due date, oldest due first
    (2 queries); the components are in `extra["components"]`."""
    deviations = list(ownership.overdue_deviations(user)[: LIST_LIMIT + 1])
    components = list(ownership.overdue_components(user)[: LIST_LIMIT + 1])
    return Section(
        "overdue",
        "My overdue items",
        deviations[:LIST_LIMIT],
        len(deviations) + len(components),
        extra={"components": components[:LIST_LIMIT]},
    )


def _expiring_section(user: User) -> Section:
    """Acknowledgements I made that still hold and expire within a week, soonest first."""
    rows = list(ownership.acknowledgements_expiring_soon(user)[: LIST_LIMIT + 1])
    return Section(
        "acknowledgements",
        "Acknowledgements I made that expire soon",
        rows[:LIST_LIMIT],
        len(rows),
        extra={"days": ownership.SOON_DAYS},
    )


def _watches_section(user: User) -> Section:
    rows = list(
        Watch.objects.filter(user=user)
        .select_related("component")
        .order_by("kind", F("component__name").asc(nulls_last=True), "name", "pk")
    )
    return Section("watches", "My watches", rows, len(rows))


# What the page shows, in order.
SECTIONS = (
    _attention_section,
    _overdue_section,
    _authored_section,
    _waiting_section,
    _expiring_section,
    _watches_section,
)


@dataclass
class MinePage:
    sections: list[Section]
    feed_token: FeedToken | None


def mine_page(user: User) -> MinePage:
    found = [section(user) for section in SECTIONS]
    token = FeedToken.objects.filter(user=user).first()
    return MinePage([s for s in found if s is not None], token)

"""What changed for whom: the items of each user's e-mail digest (`manage.py notify`).

The run reads the audit events after the last run's (or since `--since`), once, and
turns them into items for the people they concern:

- changes requested on (or a rejection of) a deviation you authored or own, an
  approval of it that lapsed, it failing at the pin (broken now) or at the tip
  (breaking on rebase): "your work" is a deviation whose introducing or last-changing
  config commit is yours by your git identities or account e-mail
  (deviations.domain.permissions.authored's rule), or one you own;
- a deviation or component you own that is past its due date and still in the config
  (overdue: read from the record, not the events, keyed by the item and its due date, so
  each is told once, and again only when its due date changes and passes again);
- an acknowledgement you made that expired or lapsed (its basis changed): the
  `acknowledgement.expired` / `.lapsed` events `manage.py expire` records, whose
  before-state names the acknowledgement (its maker is read from it);
- a deviation new (or back) in a component or a saved filter you watch.

Only active accounts with a role and an e-mail get digests; nobody is told of their own
action; an item already sent (SentNotification, keyed by section and event or basis) is
left out, so a digest never repeats one.  `SECTIONS` is the list of gatherers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from deviations.domain import permissions
from deviations.domain.notify import DigestDraft, DigestItem
from deviations.domain.ownership import overdue_q, today
from deviations.models import (
    Acknowledgement,
    AuditChainHead,
    AuditEvent,
    Component,
    Deviation,
    GitIdentity,
    SentNotification,
    Watch,
)
from deviations.reads.filters import DeviationFilter
from deviations.vocabulary import (
    AcknowledgedSubject,
    AuditAction,
    DigestSection,
    Verdict,
    WatchKind,
)

CHUNK = 500  # ids or keys per IN (...) list


@dataclass(frozen=True)
class Event:
    """The columns of an audit event a digest reads."""

    seq: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    component_name: str
    before: Any
    after: Any

    @property
    def deviation_id(self) -> int | None:
        return int(self.object_id) if self.object_id.isdigit() else None


@dataclass
class Recipients:
    """Who may get a digest (active, a role, an e-mail) and whose git identities are whose."""

    users: dict[int, User]
    by_email: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def load(cls) -> Recipients:
        readers = (
            User.objects.filter(is_active=True)
            .exclude(email="")
            .filter(Q(is_superuser=True) | Q(groups__name__in=permissions.ROLES))
            .distinct()
            .order_by("pk")
        )
        found = cls(users={user.pk: user for user in readers})
        for user in found.users.values():
            found.by_email[user.email.strip().lower()].add(user.pk)
        rows = GitIdentity.objects.filter(user_id__in=list(found.users)).values_list(
            "user_id", "email", "name"
        )
        for user_id, email, name in rows:
            if email:
                found.by_email[email.strip().lower()].add(user_id)
            if name:
                found.by_name[name.strip().lower()].add(user_id)
        return found

    def committers(self, email: str | None, name: str | None) -> set[int]:
        return self.by_email.get((email or "").strip().lower(), set()) | self.by_name.get(
            (name or "").strip().lower(), set()
        )


def chunked[T](values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the window of events ---------------------------------------------------------------


def head_seq() -> int:
    return AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


def first_seq_since(moment: dt.datetime) -> int:
    """The first event recorded at or after `moment` (past the head when there is none)."""
    found = (
        AuditEvent.objects.filter(created_at__gte=moment)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    return found if found is not None else head_seq() + 1


WORK_ACTIONS = (
    AuditAction.REVIEW_CHANGES_REQUESTED,
    AuditAction.REVIEW_REJECTED,
    AuditAction.REVIEW_LAPSED,
    AuditAction.SYNC_DEVIATION_CHANGED,
)
NEW_ACTIONS = (AuditAction.DEVIATION_CREATED, AuditAction.DEVIATION_RESTORED)
# Filed under the deviation, or the component for drift.
ACKNOWLEDGEMENT_ACTIONS = (AuditAction.ACKNOWLEDGEMENT_EXPIRED, AuditAction.ACKNOWLEDGEMENT_LAPSED)


def events(since_seq: int, until_seq: int) -> list[Event]:
    """The events in [since_seq, until_seq] a digest may speak of, oldest first."""
    rows = (
        AuditEvent.objects.filter(seq__gte=since_seq, seq__lte=until_seq)
        .filter(
            Q(object_type="deviation", action__in=[*WORK_ACTIONS, *NEW_ACTIONS])
            | Q(action__in=ACKNOWLEDGEMENT_ACTIONS)
        )
        .order_by("seq")
        .values_list(
            "seq",
            "created_at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "component_name",
            "before",
            "after",
        )
    )
    return [Event(*row) for row in rows]


# --- the sections -----------------------------------------------------------------------

Found = list[tuple[int, DigestItem]]  # (user id, item)


@functools.lru_cache(maxsize=65536)
def _path(deviation_id: int) -> str:
    return reverse("deviation", args=[deviation_id])


def _authors(recipients: Recipients, deviation_ids: Iterable[int]) -> dict[int, set[int]]:
    """Deviation id -> the users who authored it (introducing or last-changing commit)."""
    found: dict[int, set[int]] = {}
    for batch in chunked(sorted(set(deviation_ids))):
        rows = Deviation.objects.filter(pk__in=batch).values_list(
            "pk",
            "introduced_commit__author_email",
            "introduced_commit__author_name",
            "changed_commit__author_email",
            "changed_commit__author_name",
        )
        for pk, intro_email, intro_name, changed_email, changed_name in rows:
            people = recipients.committers(intro_email, intro_name)
            people |= recipients.committers(changed_email, changed_name)
            if people:
                found[pk] = people
    return found


def _owners(recipients: Recipients, deviation_ids: Iterable[int]) -> dict[int, set[int]]:
    """Deviation id -> the users who own it (those who may get a digest)."""
    found: dict[int, set[int]] = {}
    for batch in chunked(sorted(set(deviation_ids))):
        rows = Deviation.objects.filter(pk__in=batch, owner__user__isnull=False).values_list(
            "pk", "owner__user_id"
        )
        for pk, user_id in rows:
            if user_id in recipients.users:
                found.setdefault(pk, set()).add(user_id)
    return found


def _work_sections(event: Event) -> list[tuple[DigestSection, str, str]]:
    """(section, title, detail) of each item an event about a deviation makes."""
    after = event.after if isinstance(event.after, dict) else {}
    before = event.before if isinstance(event.before, dict) else {}
    what = event.object_repr
    if event.action in (AuditAction.REVIEW_CHANGES_REQUESTED, AuditAction.REVIEW_REJECTED):
        label = AuditAction(event.action).label.removeprefix("review: ")
        return [
            (
                DigestSection.CHANGES_REQUESTED,
                f"{what}: {label} by {event.actor_label}",
                str(after.get("comment") or ""),
            )
        ]
    if event.action == AuditAction.REVIEW_LAPSED:
        reason = str(after.get("reason") or "its content or effect changed")
        return [(DigestSection.APPROVAL_LAPSED, f"{what}: the decision lapsed", reason)]
    found = []
    if event.action == AuditAction.SYNC_DEVIATION_CHANGED:
        for target, commit_key, section, text in (
            ("pin", "pinned_commit", DigestSection.BROKEN_NOW, "fails at the pinned commit"),
            ("tip", "tip_commit", DigestSection.BREAKING_ON_REBASE, "fails at the branch tip"),
        ):
            name = f"verdict_at_{target}"
            if after.get(name) == Verdict.FAILED and before.get(name) != Verdict.FAILED:
                commit = str(after.get(commit_key) or "")
                detail = f"Fedora commit {commit[:12]}" if commit else ""
                found.append((section, f"{what}: {text}", detail))
    return found


def my_work(recipients: Recipients, found_events: list[Event]) -> Found:
    """Changes requested, approvals lapsed, broken now, breaking on rebase: on your work."""
    made = [
        (event, sections)
        for event in found_events
        if event.action in WORK_ACTIONS and event.deviation_id is not None
        for sections in [_work_sections(event)]
        if sections
    ]
    ids = [event.deviation_id for event, _ in made if event.deviation_id is not None]
    authors = _authors(recipients, ids)
    for pk, users in _owners(recipients, ids).items():
        authors.setdefault(pk, set()).update(users)
    found: Found = []
    for event, sections in made:
        assert event.deviation_id is not None
        for user_id in sorted(authors.get(event.deviation_id, ())):
            if user_id == event.actor_id:
                continue
            for section, title, detail in sections:
                key = f"{section.value}:{event.seq}"
                path = _path(event.deviation_id)
                found.append(
                    (user_id, DigestItem(key, section, title, path, event.created_at, detail))
                )
    return found


def _matching(query: str, ids: list[int]) -> list[int]:
    """Which of these deviations the deviation list filtered by `query` shows."""
    found: list[int] = []
    for batch in chunked(ids, 5 * CHUNK):
        rows = DeviationFilter(QueryDict(query), queryset=Deviation.objects.filter(pk__in=batch))
        if not rows.is_valid():
            return []  # a filter the list no longer understands matches nothing
        found.extend(rows.qs.values_list("pk", flat=True))
    return found


def watched(recipients: Recipients, found_events: list[Event]) -> Found:
    """Deviations new (or back) in a component or a saved filter you watch."""
    new = [e for e in found_events if e.action in NEW_ACTIONS and e.deviation_id is not None]
    if not new:
        return []
    watches = list(
        Watch.objects.filter(user_id__in=list(recipients.users)).select_related("component")
    )
    by_component: dict[str, set[int]] = defaultdict(set)
    for watch in watches:
        if watch.kind == WatchKind.COMPONENT and watch.component is not None:
            by_component[watch.component.name].add(watch.user_id)
    matched: dict[int, dict[int, str]] = defaultdict(dict)  # deviation -> user -> why
    ids = [e.deviation_id for e in new if e.deviation_id is not None]
    by_query: dict[str, list[Watch]] = defaultdict(list)  # one question per distinct filter
    for watch in watches:
        if watch.kind == WatchKind.FILTER:
            by_query[watch.query].append(watch)
    for query, watching in by_query.items():
        for pk in _matching(query, ids):
            for watch in watching:
                matched[pk].setdefault(watch.user_id, f"matches your saved filter {watch.name}")
    found: Found = []
    for event in new:
        assert event.deviation_id is not None
        why = dict(matched.get(event.deviation_id, {}))
        for user_id in by_component.get(event.component_name, ()):
            why[user_id] = f"in {event.component_name}, which you watch"
        for user_id in sorted(why):
            if user_id == event.actor_id:
                continue
            found.append(
                (
                    user_id,
                    DigestItem(
                        f"{DigestSection.NEW_IN_WATCHED.value}:{event.seq}",
                        DigestSection.NEW_IN_WATCHED,
                        f"{event.object_repr}: new deviation",
                        _path(event.deviation_id),
                        event.created_at,
                        why[user_id],
                    ),
                )
            )
    return found


def _overdue_item(kind: str, pk: int, due: dt.date | None, title: str, path: str) -> DigestItem:
    assert due is not None  # overdue_q: a due date before today
    return DigestItem(
        f"{DigestSection.OVERDUE.value}:{kind}:{pk}:{due.isoformat()}",
        DigestSection.OVERDUE,
        title,
        path,
        dt.datetime.combine(due, dt.time.min, tzinfo=dt.UTC),
        f"due {due.isoformat()}",
    )


def overdue(recipients: Recipients, found_events: list[Event]) -> Found:
    """Deviations and components you own past their due date, still in the config: read
    from the record (2 queries), each keyed by what it is and its due date, so it is told
    once (`overdue:deviation:<id>:<due date>`)."""
    day = today()
    users = list(recipients.users)
    found: Found = []
    deviations = (
        Deviation.objects.filter(overdue_q(day), owner__user_id__in=users)
        .order_by("due_date", "pk")
        .values_list("pk", "owner__user_id", "due_date", "component__name", "description", "key")
    )
    for pk, user_id, due, component, description, key in deviations:
        title = f"{component}: {description or key}: overdue"
        found.append((user_id, _overdue_item("deviation", pk, due, title, _path(pk))))
    components = (
        Component.objects.filter(overdue_q(day), owner__user_id__in=users)
        .order_by("due_date", "pk")
        .values_list("pk", "owner__user_id", "due_date", "name")
    )
    for pk, user_id, due, name in components:
        path = reverse("component", args=[name])
        found.append((user_id, _overdue_item("component", pk, due, f"{name}: overdue", path)))
    return found


def acknowledgements_expired(recipients: Recipients, found_events: list[Event]) -> Found:
    """Acknowledgements you made that `manage.py expire` recorded as expired or lapsed."""
    ended = [
        (event, event.before["acknowledgement"])
        for event in found_events
        if event.action in ACKNOWLEDGEMENT_ACTIONS
        and isinstance(event.before, dict)
        and isinstance(event.before.get("acknowledgement"), int)
    ]
    if not ended:
        return []
    makers: dict[int, int] = {}
    for batch in chunked(sorted({pk for _, pk in ended})):
        makers.update(
            Acknowledgement.objects.filter(pk__in=batch).values_list("pk", "created_by_id")
        )
    found: Found = []
    for event, ack_pk in ended:
        user_id = makers.get(ack_pk)
        if user_id is None or user_id not in recipients.users or user_id == event.actor_id:
            continue
        subject = str(event.before.get("subject") or "")
        what = AcknowledgedSubject(subject).label if subject in AcknowledgedSubject else subject
        if event.action == AuditAction.ACKNOWLEDGEMENT_EXPIRED:
            title = f"{event.object_repr}: your acknowledgement ({what}) expired"
        else:
            title = f"{event.object_repr}: your acknowledgement ({what}) lapsed, its basis changed"
        if event.object_type == "component":
            path = reverse("component", args=[event.component_name])
        else:
            path = _path(int(event.object_id))
        found.append(
            (
                user_id,
                DigestItem(
                    f"{DigestSection.ACKNOWLEDGEMENT_EXPIRED.value}:{event.seq}",
                    DigestSection.ACKNOWLEDGEMENT_EXPIRED,
                    title,
                    path,
                    event.created_at,
                    str(event.before.get("reason") or ""),
                ),
            )
        )
    return found


# The sections a digest gathers, in one place (their order in a digest: DigestSection's).
SECTIONS: tuple[Callable[[Recipients, list[Event]], Found], ...] = (
    my_work,
    overdue,
    acknowledgements_expired,
    watched,
)


def _unsent(found: Found) -> Found:
    """`found` without the items already sent to their user (and each item once)."""
    keys = sorted({item.key for _, item in found})
    sent: set[tuple[int, str]] = set()
    for batch in chunked(keys):
        sent.update(SentNotification.objects.filter(key__in=batch).values_list("user_id", "key"))
    kept: Found = []
    for user_id, item in found:
        if (user_id, item.key) not in sent:
            sent.add((user_id, item.key))
            kept.append((user_id, item))
    return kept


def digests(since_seq: int, until_seq: int) -> list[DigestDraft]:
    """Each user's digest of the events in [since_seq, until_seq] (users with nothing new
    left out), by user id."""
    recipients = Recipients.load()
    if not recipients.users:
        return []
    window = events(since_seq, until_seq)
    found: Found = [pair for gather in SECTIONS for pair in gather(recipients, window)]
    drafts: dict[int, DigestDraft] = {}
    for user_id, item in _unsent(found):
        drafts.setdefault(user_id, DigestDraft(recipients.users[user_id])).items.append(item)
    for draft in drafts.values():
        order = {section: n for n, section in enumerate(DigestSection)}
        draft.items.sort(key=lambda item: (order[item.section], item.when, item.key))
    return [drafts[user_id] for user_id in sorted(drafts)]

"""The record through time: the record as it stood at a point, and what changed between two.

A point (`as_of`) is a date (`2026-03-01`, the end of that day in UTC; or a full ISO
time), a config commit (a full or short sha) or an import run (`import-N`).  It names a
commit on the replayed first-parent line -- the newest one by that time -- whose
deviations are the spans covering its position (deviations.models.history), and a
moment, at which the review states are read from the review history (decisions, and
`review.lapsed` events):

- a date or time: the newest commit committed by then, and that moment;
- a commit: that commit, and the moment the next commit on the line arrived (now, for
  the last replayed one): the record as it stood while it was the newest;
- an import run: the commit it read, and the moment it finished.

Where the replay has not been (a database imported only from folders, or a time
before the first commit) `AsOfError` says so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from deviations.core.config.extract import canonical_json
from deviations.models import (
    AuditEvent,
    ComponentSpan,
    ConfigCommit,
    Deviation,
    DeviationSpan,
    DeviationVersion,
    ImportRun,
    NoteVersion,
    Review,
)
from deviations.vocabulary import AuditAction, HistoryChange, ReviewState

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_IMPORT = re.compile(r"^import-#?(\d{1,18})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NO_HISTORY = (
    "the records hold no replayed config history (the config was imported from a folder, "
    "or not yet from git): import it from its git repository to replay its history"
)

# Deviation list filters that describe only the latest state (sync verdicts, upstream
# suggestions, removal) and so cannot select rows in the past.
PAST_DEVIATION_UNSUPPORTED = (
    "verdict_at_pin",
    "verdict_at_tip",
    "obsolete",
    "has_suggestion",
    "severity",  # from the verdicts and the review state now
)
PAST_COMPONENT_UNSUPPORTED = (
    "severity",
    "documented",
    "behind",
    "rebase_risk",
    "obsolete",
    "sync_error",
    "upstream_newer",
    "spec_type",
)


class AsOfError(ValueError):
    """A point in time that cannot be shown: unreadable, or where the replay has not been."""


@dataclass(frozen=True)
class AsOf:
    asked: str  # as given (kept in links)
    commit: ConfigCommit
    moment: dt.datetime  # review states as of this moment
    latest: bool  # the newest replayed commit (the record's config, unless a folder followed)

    @property
    def position(self) -> int:
        assert self.commit.position is not None
        return self.commit.position


def _positioned() -> QuerySet[ConfigCommit]:
    return ConfigCommit.objects.filter(position__isnull=False)


def _moment_after(commit: ConfigCommit) -> tuple[dt.datetime, bool]:
    """When the next commit on the line arrived (now for the last one); whether it is last."""
    later = (
        _positioned()
        .filter(position__gt=commit.position)
        .order_by("position")
        .values_list("committed_at", flat=True)
        .first()
    )
    if later is None:
        return timezone.now(), True
    return later - dt.timedelta(microseconds=1), False


def _newest_by(moment: dt.datetime) -> ConfigCommit | None:
    return _positioned().filter(committed_at__lte=moment).order_by("-position").first()


def _is_last(commit: ConfigCommit) -> bool:
    return not _positioned().filter(position__gt=commit.position).exists()


def parse_time(text: str) -> dt.datetime | None:
    """A date (the end of that day, UTC) or an ISO time (UTC unless it says); None if neither."""
    try:
        if _DATE.match(text):
            day = dt.date.fromisoformat(text)
            start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def resolve(text: str) -> AsOf:
    """The point named by `text` (see the module doc); AsOfError says why it cannot be."""
    asked = (text or "").strip()
    if not asked:
        raise AsOfError("as_of is empty: give a date (YYYY-MM-DD), a config commit or import-N")
    if not _positioned().exists():
        raise AsOfError(NO_HISTORY)
    found = _IMPORT.match(asked.lower())
    if found:
        run = ImportRun.objects.select_related("commit").filter(pk=int(found.group(1))).first()
        if run is None:
            raise AsOfError(f"there is no import #{found.group(1)}")
        if run.commit is None or run.commit.position is None:
            raise AsOfError(
                f"import #{run.pk} read a folder (or a commit no longer on the replayed line): "
                "the records do not say which commit's config it held"
            )
        moment = run.finished_at or run.started_at
        return AsOf(asked, run.commit, moment, _is_last(run.commit))
    if _SHA.match(asked.lower()):
        matches = list(_positioned().filter(sha__startswith=asked.lower())[:2])
        if len(matches) > 1:
            raise AsOfError(f"{asked} names more than one config commit: give more of its sha")
        if matches:
            moment, last = _moment_after(matches[0])
            return AsOf(asked, matches[0], moment, last)
        if ConfigCommit.objects.filter(sha__startswith=asked.lower()).exists():
            raise AsOfError(f"config commit {asked} is not on the replayed first-parent line")
        if not _DATE.match(asked):
            raise AsOfError(f"no config commit {asked} in the replayed history")
    parsed = parse_time(asked)
    if parsed is None:
        raise AsOfError(
            f"as_of {asked!r} is not a date (YYYY-MM-DD), a time, a config commit or import-N"
        )
    moment = parsed
    commit = _newest_by(moment)
    if commit is None:
        first = _positioned().order_by("position").first()
        assert first is not None
        raise AsOfError(
            f"{asked} is before the config's first commit ({first.committed_at:%Y-%m-%d}): "
            "there was no config then"
        )
    return AsOf(asked, commit, moment, _is_last(commit))


def in_force(position: int) -> Q:
    return Q(start__lte=position) & (Q(end__isnull=True) | Q(end__gt=position))


def spans_at(position: int) -> QuerySet[DeviationSpan]:
    return DeviationSpan.objects.filter(in_force(position))


def component_spans_at(position: int) -> QuerySet[ComponentSpan]:
    return ComponentSpan.objects.filter(in_force(position))


# --- review states at a moment --------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAt:
    state: ReviewState
    review: Review | None  # the last decision by then


NOT_REVIEWED = ReviewAt(ReviewState.NEEDS_REVIEW, None)


def review_states(ids: Iterable[int], moment: dt.datetime) -> dict[int, ReviewAt]:
    """Each deviation's review state at `moment`: its last decision by then, stale when a
    `review.lapsed` event came after it; needs review without a decision (two queries)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    last: dict[int, Review] = {}
    for review in (
        Review.objects.filter(deviation_id__in=wanted, created_at__lte=moment)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    ):
        last[review.deviation_id] = review
    lapsed: dict[int, dt.datetime] = {}
    for object_id, at in AuditEvent.objects.filter(
        action=AuditAction.REVIEW_LAPSED,
        object_type="deviation",
        object_id__in=[str(pk) for pk in last],
        created_at__lte=moment,
    ).values_list("object_id", "created_at"):
        lapsed[int(object_id)] = max(at, lapsed.get(int(object_id), at))
    out = {}
    for pk, review in last.items():
        lapse = lapsed.get(pk)
        state = (
            ReviewState.STALE
            if lapse is not None and lapse >= review.created_at
            else ReviewState(review.decision)
        )
        out[pk] = ReviewAt(state, review)
    return out


# --- the deviations at a point ----------------------------------------------------------------


@dataclass
class PastDeviation:
    """One deviation as the record held it at a point (a row of the lists and exports)."""

    span: DeviationSpan
    review: ReviewAt
    key: str
    version: int | None = None
    notes: str = ""

    @property
    def deviation_id(self) -> int | None:
        return self.span.deviation_id

    @property
    def component(self) -> str:
        return self.span.component_name


_SPAN_RELATED = ("introduced_commit", "changed_commit", "deviation")


def _unsupported(params: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    return [name for name in names if params.get(name)]


def deviations_at(
    asof: AsOf, params: Mapping[str, Any] | None = None, *, notes: bool = False
) -> tuple[list[PastDeviation], list[str]]:
    """The deviations in force at the point, filtered by the deviation list's filters where
    they apply in the past; and the names of the given filters that do not."""
    params = params or {}
    spans = spans_at(asof.position).select_related(*_SPAN_RELATED)
    text = str(params.get("q") or "").strip()
    if text:
        spans = spans.filter(
            Q(description__icontains=text)
            | Q(component_name__icontains=text)
            | Q(key__icontains=text)
            | Q(deviation__key__icontains=text)
        )
    for name in ("kind", "overlay_type", "category", "upstream_status"):
        if params.get(name):
            spans = spans.filter(**{name: params[name]})
    if params.get("component"):
        spans = spans.filter(component_name=params["component"])
    author = str(params.get("author") or "").strip()
    if author:
        spans = spans.filter(
            Q(introduced_commit__author_name__icontains=author)
            | Q(introduced_commit__author_email__iexact=author)
        )
    commit = str(params.get("commit") or "").strip().lower()
    if commit:
        spans = spans.filter(introduced_commit__sha__startswith=commit)
    rows = list(spans.order_by("component_name", "position", "pk"))
    linked = [s.deviation_id for s in rows if s.deviation_id]
    states = review_states(linked, asof.moment)
    versions = _versions(rows, asof.moment)
    out = [
        PastDeviation(
            s,
            states.get(s.deviation_id, NOT_REVIEWED) if s.deviation_id else NOT_REVIEWED,
            s.deviation.key if s.deviation is not None else s.key,
            versions.get(s.pk),
        )
        for s in rows
    ]
    wanted_state = params.get("review_state")
    if wanted_state:
        out = [row for row in out if row.review.state == wanted_state]
    if params.get("documented") in ("yes", "no"):
        wanted = params["documented"] == "yes"
        out = [row for row in out if row.span.documented == wanted]
    sort = params.get("sort") or "component"
    if sort == "kind":
        out.sort(key=lambda r: (r.span.kind, r.component, r.span.position))
    elif sort == "review":
        out.sort(key=lambda r: (r.review.state.value, r.component, r.span.position))
    elif sort == "-updated":
        out.sort(key=lambda r: r.span.changed_commit.committed_at, reverse=True)
    if notes:
        found = notes_at([r.deviation_id for r in out if r.deviation_id], asof.moment)
        for row in out:
            row.notes = found.get(row.deviation_id or 0, "")
    return out, _unsupported(params, (*PAST_DEVIATION_UNSUPPORTED, "removed"))


def _justification(description: str, metadata: Any, comment: str, reason: str) -> tuple:
    return (description, canonical_json(metadata or {}), comment, reason)


def _versions(spans: list[DeviationSpan], moment: dt.datetime) -> dict[int, int]:
    """span id -> the number of its record's version with the same content and
    justification, recorded by then (none when no import recorded that state)."""
    ids = {s.deviation_id for s in spans if s.deviation_id}
    if not ids:
        return {}
    by_deviation: dict[int, list[DeviationVersion]] = {}
    for version in DeviationVersion.objects.filter(
        deviation_id__in=ids, created_at__lte=moment
    ).order_by("number"):
        by_deviation.setdefault(version.deviation_id, []).append(version)
    out = {}
    for span in spans:
        wanted = (
            span.fingerprint,
            _justification(span.description, span.metadata, span.comment, span.reason),
        )
        for version in reversed(by_deviation.get(span.deviation_id or 0, [])):
            v = version
            got = (v.fingerprint, _justification(v.description, v.metadata, v.comment, v.reason))
            if got == wanted:
                out[span.pk] = version.number
                break
    return out


def _iso(moment: dt.datetime) -> str:
    """As the exports write times (cells.iso): UTC, a Z, microseconds only when any."""
    moment = moment.astimezone(dt.UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"


def notes_at(ids: list[int], moment: dt.datetime) -> dict[int, str]:
    """deviation id -> its notes' latest texts by then (the export's justification_notes)."""
    if not ids:
        return {}
    out: dict[int, dict[int, str]] = {}
    versions = (
        NoteVersion.objects.filter(note__deviation_id__in=ids, created_at__lte=moment)
        .select_related("note", "author")
        .order_by("note__deviation_id", "note__created_at", "note_id", "-number")
    )
    for v in versions:
        notes = out.setdefault(v.note.deviation_id, {})
        if v.note_id not in notes:
            by = f"{v.author.username}, {_iso(v.created_at)}"
            notes[v.note_id] = f"[note {v.note_id} v{v.number}, {by}] {v.text}"
    return {pk: "\n\n".join(n.values()) for pk, n in out.items()}


# --- the components at a point ----------------------------------------------------------------


@dataclass
class PastComponent:
    name: str
    component_id: int | None
    kinds: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)

    @property
    def deviations(self) -> int:
        return sum(self.kinds.values())

    @property
    def kind_counts(self) -> list[tuple[str, int]]:
        """(kind, count), by kind (templates cannot call a Counter's items())."""
        return sorted(self.kinds.items())


def components_at(
    asof: AsOf, params: Mapping[str, Any] | None = None
) -> tuple[list[PastComponent], list[str]]:
    """The components in the config at the point with their deviations' kinds and review
    states, filtered by the component list's filters where they apply in the past."""
    params = params or {}
    names = dict(component_spans_at(asof.position).values_list("name", "component_id"))
    text = str(params.get("q") or "").strip().lower()
    devs, _ = deviations_at(asof)
    per: dict[str, PastComponent] = {}
    match: set[str] = set()
    fields = ("kind", "overlay_type", "category", "upstream_status")
    for row in devs:
        comp = per.setdefault(row.component, PastComponent(row.component, None))
        comp.kinds[row.span.kind] += 1
        comp.states[row.review.state.value] += 1
        if all(not params.get(f) or getattr(row.span, f) == params[f] for f in fields) and (
            not params.get("review_state") or row.review.state == params["review_state"]
        ):
            match.add(row.component)
    out = []
    for name in sorted(names):
        comp = per.get(name) or PastComponent(name, None)
        comp.component_id = names[name]
        if text and text not in name.lower():
            continue
        if params.get("has_deviations") == "yes" and not comp.deviations:
            continue
        if params.get("has_deviations") == "no" and comp.deviations:
            continue
        if any(params.get(f) for f in (*fields, "review_state")) and name not in match:
            continue
        out.append(comp)
    sort = params.get("sort") or "name"
    if sort == "-name":
        out.reverse()
    elif sort == "-deviations":
        out.sort(key=lambda c: (-c.deviations, c.name))
    return out, _unsupported(params, (*PAST_COMPONENT_UNSUPPORTED, "removed"))


# --- what changed between two points ---------------------------------------------------------

CHANGE_FIELDS = (
    "overlay_type",
    "content",
    "description",
    "metadata",
    "comment",
    "reason",
    "category",
    "upstream_status",
)


@dataclass
class Responsible:
    sha: str
    author: str
    email: str
    subject: str
    committed_at: dt.datetime


class SpanView:
    """A deviation's state, read light: its JSON fields stay text until something reads
    them (a changes page shows 50 rows; comparing needs only fingerprints and texts)."""

    pk: int
    component_name: str
    key: str
    deviation_id: int | None
    kind: str
    overlay_type: str
    category: str
    upstream_status: str
    description: str
    comment: str
    reason: str
    fingerprint: str
    config_file: str
    line_start: int
    line_end: int
    content_text: str
    metadata_text: str
    introduced_sha: str
    changed_sha: str

    __slots__ = (
        "_content",
        "_metadata",
        "category",
        "changed_sha",
        "comment",
        "component_name",
        "config_file",
        "content_text",
        "description",
        "deviation_id",
        "fingerprint",
        "introduced_sha",
        "key",
        "kind",
        "line_end",
        "line_start",
        "metadata_text",
        "overlay_type",
        "pk",
        "reason",
        "upstream_status",
    )

    def __init__(self, row: dict[str, Any], shas: Mapping[int, str]) -> None:
        for name in _VIEW_FIELDS:
            setattr(self, name, row[name])
        self.content_text = row["content_text"] or "{}"
        self.metadata_text = row["metadata_text"] or "{}"
        self.introduced_sha = shas.get(row["introduced_commit_id"], "")
        self.changed_sha = shas.get(row["changed_commit_id"], "")
        self._content: Any = None
        self._metadata: Any = None

    @property
    def content(self) -> Any:
        if self._content is None:
            self._content = json.loads(self.content_text)
        return self._content

    @property
    def metadata(self) -> Any:
        if self._metadata is None:
            self._metadata = json.loads(self.metadata_text)
        return self._metadata


_VIEW_FIELDS = (
    "pk",
    "component_name",
    "key",
    "deviation_id",
    "kind",
    "overlay_type",
    "category",
    "upstream_status",
    "description",
    "comment",
    "reason",
    "fingerprint",
    "config_file",
    "line_start",
    "line_end",
)


def _views(pks: Iterable[int]) -> dict[int, SpanView]:
    rows = list(
        DeviationSpan.objects.filter(pk__in=list(pks)).values(
            *_VIEW_FIELDS,
            "introduced_commit_id",
            "changed_commit_id",
            content_text=Cast("content", TextField()),
            metadata_text=Cast("metadata", TextField()),
        )
    )
    ids = {r["introduced_commit_id"] for r in rows} | {r["changed_commit_id"] for r in rows}
    shas = dict(ConfigCommit.objects.filter(pk__in=ids).values_list("pk", "sha"))
    return {r["pk"]: SpanView(r, shas) for r in rows}


@dataclass
class DeviationChange:
    change: HistoryChange
    component: str
    key: str
    kind: str
    deviation_id: int | None
    before: SpanView | None
    after: SpanView | None
    fields: list[tuple[str, str, str]]  # (field, before, after) as text
    commits: list[Responsible]  # filled by `responsible()` for the rows shown
    place: tuple[str, str] = ("", "")  # (component, the replay's key)


@dataclass
class ComponentChange:
    name: str
    component_id: int | None
    before: int  # deviations at the first point
    after: int
    present_after: bool

    @property
    def customized(self) -> bool:
        return self.after > 0


@dataclass
class Changes:
    start: AsOf
    end: AsOf
    deviations: list[DeviationChange]
    components: list[ComponentChange]
    reviews: list[Review]
    counts: dict[str, int]


def _field_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return canonical_json(value) if value else ""
    return str(value or "")


def _differences(before: SpanView, after: SpanView) -> list[tuple[str, str, str]]:
    out = []
    for name in CHANGE_FIELDS:
        if name in ("content", "metadata"):
            if getattr(before, f"{name}_text") == getattr(after, f"{name}_text"):
                continue
            if name == "content" and before.fingerprint == after.fingerprint:
                continue  # the fingerprint is the content's
            old, new = getattr(before, name), getattr(after, name)
            if canonical_json(old or {}) != canonical_json(new or {}):
                out.append((name, _field_text(old), _field_text(new)))
            continue
        old, new = getattr(before, name), getattr(after, name)
        if (old or "") != (new or ""):
            out.append((name, _field_text(old), _field_text(new)))
    return out


def _places(position: int) -> dict[tuple[str, str], int]:
    return {
        (name, key): pk
        for pk, name, key in spans_at(position).values_list("pk", "component_name", "key")
    }


def changes(start: AsOf, end: AsOf) -> Changes:
    """Deviations added, removed and changed between two points (the later one is `end`
    whatever order they were given in), components that became customized or plain, and
    the review decisions made in between."""
    if start.position > end.position or (
        start.position == end.position and start.moment > end.moment
    ):
        start, end = end, start
    a, b = start.position, end.position
    before, after = _places(a), _places(b)
    differ = {
        place for place in before.keys() | after.keys() if before.get(place) != after.get(place)
    }
    views = _views(
        {before[p] for p in differ if p in before} | {after[p] for p in differ if p in after}
    )
    linked = {v.deviation_id for v in views.values() if v.deviation_id}
    keys = dict(Deviation.objects.filter(pk__in=linked).values_list("pk", "key"))
    out: list[DeviationChange] = []
    for place in sorted(differ):
        old = views.get(before[place]) if place in before else None
        new = views.get(after[place]) if place in after else None
        if old is not None and new is not None:
            fields = _differences(old, new)
            if not fields:
                continue
            change = HistoryChange.CHANGED
        else:
            fields = []
            change = HistoryChange.ADDED if new is not None else HistoryChange.REMOVED
        shown = new or old
        assert shown is not None
        pk = (new.deviation_id if new is not None else None) or (
            old.deviation_id if old is not None else None
        )
        out.append(
            DeviationChange(
                change,
                place[0],
                keys.get(pk, place[1]) if pk else place[1],
                shown.kind,
                pk,
                old,
                new,
                fields,
                [],
                place,
            )
        )
    count_a = Counter(name for name, _ in before)
    count_b = Counter(name for name, _ in after)
    names = [n for n in count_a.keys() | count_b.keys() if (count_a[n] > 0) != (count_b[n] > 0)]
    present = dict(component_spans_at(b).filter(name__in=names).values_list("name", "component_id"))
    became = [
        ComponentChange(name, present.get(name), count_a[name], count_b[name], name in present)
        for name in sorted(names)
    ]
    decided = list(
        Review.objects.filter(created_at__gt=start.moment, created_at__lte=end.moment)
        .select_related("reviewer", "deviation__component")
        .order_by("created_at", "pk")
    )
    counts = Counter(c.change.value for c in out)
    return Changes(
        start,
        end,
        out,
        became,
        decided,
        {
            HistoryChange.ADDED.value: counts[HistoryChange.ADDED],
            HistoryChange.CHANGED.value: counts[HistoryChange.CHANGED],
            HistoryChange.REMOVED.value: counts[HistoryChange.REMOVED],
            "became_customized": sum(1 for c in became if c.customized),
            "became_plain": sum(1 for c in became if not c.customized),
            "reviews": len(decided),
        },
    )


def responsible(found: Changes, rows: Iterable[DeviationChange]) -> None:
    """Fill in the commits (with their authors) that made each of `rows` happen between
    the two points: where its states started or ended in between (a page asks for the
    rows it shows, the CSV for all)."""
    rows = list(rows)
    a, b = found.start.position, found.end.position
    if not rows or a == b:
        return
    wanted = {row.place: row for row in rows}
    names = sorted({name for name, _ in wanted})
    touched: dict[tuple[str, str], set[int]] = {}
    for offset in range(0, len(names), 500):
        moved = DeviationSpan.objects.filter(
            (Q(start__gt=a, start__lte=b) | Q(end__gt=a, end__lte=b))
            & Q(component_name__in=names[offset : offset + 500])
        ).values_list("component_name", "key", "start", "end")
        for name, key, first, last in moved:
            if (name, key) not in wanted:
                continue
            hits = touched.setdefault((name, key), set())
            if a < first <= b:
                hits.add(first)
            if last is not None and a < last <= b:
                hits.add(last)
    positions = sorted({p for hits in touched.values() for p in hits})
    commits = {
        c.position: Responsible(c.sha, c.author_name, c.author_email, c.subject, c.committed_at)
        for c in _positioned().filter(position__in=positions)
    }
    for place, row in wanted.items():
        row.commits = [commits[p] for p in sorted(touched.get(place, ())) if p in commits]


# --- config history lists ----------------------------------------------------------------------


def commit_rows(author: str = "", path: str = "") -> QuerySet[ConfigCommit]:
    """The replayed config commits, newest first, by author (name or e-mail) and path."""
    rows = _positioned().order_by("-position")
    author, path = author.strip(), path.strip()
    if author:
        rows = rows.filter(Q(author_name__icontains=author) | Q(author_email__icontains=author))
    if path:
        rows = rows.filter(paths__contains=path)
    return rows


def commit_changes(commits: list[ConfigCommit]) -> dict[int, dict[str, int]]:
    """position -> how many deviations the commit brought in, changed and took out."""
    positions = [c.position for c in commits if c.position is not None]
    if not positions:
        return {}
    out: dict[int, dict[str, int]] = {p: Counter() for p in positions}
    started = DeviationSpan.objects.filter(start__in=positions).values_list(
        "component_name", "key", "start"
    )
    ended = set(
        DeviationSpan.objects.filter(end__in=positions).values_list("component_name", "key", "end")
    )
    starts = set()
    for name, key, start in started:
        assert start is not None
        starts.add((name, key, start))
        out[start][
            HistoryChange.CHANGED if (name, key, start) in ended else HistoryChange.ADDED
        ] += 1
    for name, key, end in ended:
        if end is not None and (name, key, end) not in starts:
            out[end][HistoryChange.REMOVED] += 1
    return {p: dict(c) for p, c in out.items()}


def config_source() -> str:
    """Where the config was last imported from with its git history (a URL or a path)."""
    run = ImportRun.objects.filter(commit__isnull=False).order_by("-started_at", "-pk").first()
    return run.source if run else ""


def import_rows() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("commit", "triggered_by").order_by("-started_at", "-pk")


def history_reach() -> tuple[ConfigCommit | None, ConfigCommit | None]:
    """The first and last replayed commits (None, None when there is no replayed history)."""
    rows = _positioned()
    return rows.order_by("position").first(), rows.order_by("-position").first()


def span_json(span: SpanView | None) -> dict[str, Any] | None:
    """A state's fields as plain JSON (the changes CSV's before/after of a whole deviation)."""
    if span is None:
        return None
    return {
        "kind": span.kind,
        "overlay_type": span.overlay_type,
        "content": span.content,
        "description": span.description,
        "metadata": span.metadata,
        "comment": span.comment,
        "reason": span.reason,
        "category": span.category,
        "upstream_status": span.upstream_status,
        "fingerprint": span.fingerprint,
        "config_file": span.config_file,
        "line_start": span.line_start,
        "line_end": span.line_end,
        "introduced_commit": span.introduced_sha,
        "changed_commit": span.changed_sha,
    }


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

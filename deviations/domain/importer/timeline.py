"""The record through time: what the history replay saw, kept as spans of commit positions.

`record()` writes a replay's `Timeline` (deviations.core.config.history) in the import's
transaction: every commit on the first-parent line with its position, body and changed
files; every deviation's state as a `DeviationSpan` from the commit it entered or changed
at to the one it changed or left at; every component's presence as a `ComponentSpan`;
and per commit the record's counts (`ConfigCommit.tally`, the trends).

A replay resumed from a checkpoint at position P brings only what came after P: the
spans starting after P are dropped, those ending after P reopened (a history rewritten
after P is replaced, not mixed), and the new steps appended.  The importer resumes only
from a commit whose position the records hold (`resume_allowed`), so a database that
never had a timeline (imported before it existed, or only from folders) gets a full
replay from the root on its next import from git: the back-fill.

It is derived data, not a change of the record: no audit events.  An import that
changes nothing writes nothing, as before, except when the records hold no timeline at
all (the back-fill); the commits it replayed are recorded by the next import that writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery

from deviations.core.config import Config
from deviations.core.config.extract import Deviation as Stated
from deviations.core.config.history import CommitInfo, Step, Timeline
from deviations.core.severity import documented
from deviations.models import Component, ComponentSpan, ConfigCommit, Deviation, DeviationSpan
from deviations.vocabulary import DeviationKind

BATCH = 500


def resume_allowed() -> Callable[[str, int], bool]:
    """A replay may resume at a commit whose timeline the records hold at that position."""
    known = dict(ConfigCommit.objects.filter(position__isnull=False).values_list("sha", "position"))
    return lambda sha, position: known.get(sha) == position


def recorded() -> bool:
    """Whether the records hold a replayed history at all."""
    return ConfigCommit.objects.filter(position__isnull=False).exists()


@dataclass
class Tally:
    """The record's counts at one commit, kept up to date step by step."""

    by_kind: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    per_component: Counter[str] = field(default_factory=Counter)
    documented: int = 0
    components: int = 0

    def add(self, span: tuple[str, str, str, str, bool], sign: int) -> None:
        component, kind, category, status, is_documented = span
        self.by_kind[kind] += sign
        self.per_component[component] += sign
        self.documented += sign * is_documented
        if kind == DeviationKind.OVERLAY:
            self.categories[category or ""] += sign
            self.statuses[status or ""] += sign

    def snapshot(self) -> dict[str, Any]:
        deviations = sum(self.by_kind.values())
        return {
            "deviations": deviations,
            "by_kind": {k: n for k, n in sorted(self.by_kind.items()) if n},
            "customized": sum(1 for n in self.per_component.values() if n > 0),
            "components": self.components,
            "documented": self.documented,
            "categories": {k: n for k, n in sorted(self.categories.items()) if n},
            "statuses": {k: n for k, n in sorted(self.statuses.items()) if n},
        }


def _brief(span: DeviationSpan | _New) -> tuple[str, str, str, str, bool]:
    return (
        span.component_name,
        span.kind,
        span.category,
        span.upstream_status,
        documented(span.description, span.comment, span.reason, span.metadata),
    )


@dataclass
class _New:
    """A span made by this replay (written in bulk at the end)."""

    component_name: str
    key: str
    stated: Stated
    introduced: str
    changed: str
    start: int
    end: int | None = None

    @property
    def kind(self) -> str:
        return self.stated.kind

    @property
    def category(self) -> str:
        return self.stated.category

    @property
    def upstream_status(self) -> str:
        return self.stated.upstream_status

    @property
    def description(self) -> str:
        return self.stated.description

    @property
    def comment(self) -> str:
        return self.stated.comment

    @property
    def reason(self) -> str:
        return self.stated.reason

    @property
    def metadata(self) -> dict[str, Any]:
        return self.stated.metadata


def _truncate(after: int) -> None:
    """Forget what the records hold of the history after position `after`."""
    DeviationSpan.objects.filter(start__gt=after).delete()
    DeviationSpan.objects.filter(end__gt=after).update(end=None)
    ComponentSpan.objects.filter(start__gt=after).delete()
    ComponentSpan.objects.filter(end__gt=after).update(end=None)
    ConfigCommit.objects.filter(position__gt=after).update(position=None, read="", tally={})


def _commits(timeline: Timeline, extra: Iterable[CommitInfo]) -> dict[str, int]:
    """ConfigCommit ids by sha: the replayed commits get their position, body and files."""
    infos = {c.info.sha: c.info for c in timeline.commits}
    for info in extra:
        infos.setdefault(info.sha, info)
    existing = {
        c.sha: c for c in ConfigCommit.objects.filter(sha__in=list(infos)).only("id", "sha")
    }
    missing = [
        ConfigCommit(
            sha=info.sha,
            author_name=info.author_name[:255],
            author_email=info.author_email[:255],
            authored_at=info.authored_at,
            committed_at=info.committed_at,
            subject=info.subject[:1000],
        )
        for sha, info in infos.items()
        if sha not in existing
    ]
    ConfigCommit.objects.bulk_create(missing, batch_size=BATCH)
    rows = {c.sha: c for c in ConfigCommit.objects.filter(sha__in=list(infos)).only("id", "sha")}
    replayed = []
    for commit in timeline.commits:
        row = rows[commit.info.sha]
        row.position, row.read = commit.position, commit.read
        row.body, row.paths = commit.info.body, "\n".join(commit.paths)
        replayed.append(row)
    ConfigCommit.objects.bulk_update(replayed, ["position", "read", "body", "paths"], BATCH)
    return {sha: row.pk for sha, row in rows.items()}


def record(timeline: Timeline | None, config: Config, keys: dict[str, list[str]] | None) -> int:
    """Write what a replay saw (see the module doc); the number of commits recorded."""
    if timeline is None or not timeline.commits:
        return 0
    start = timeline.resumed_at
    _truncate(start)
    extra = [c for s in timeline.steps for c in (s.introduced, s.changed) if c is not None]
    ids = _commits(timeline, extra)

    tally = Tally()
    open_spans: dict[tuple[str, str], DeviationSpan | _New] = {}
    for span in DeviationSpan.objects.filter(end__isnull=True).only(
        "id",
        "component_name",
        "key",
        "kind",
        "category",
        "upstream_status",
        "description",
        "comment",
        "reason",
        "metadata",
    ):
        open_spans[(span.component_name, span.key)] = span
        tally.add(_brief(span), 1)
    present = {s.name: s for s in ComponentSpan.objects.filter(end__isnull=True).only("id", "name")}
    tally.components = len(present)

    made: list[_New] = []
    closed: dict[int, int] = {}  # stored span id -> end
    new_components: list[ComponentSpan] = []
    closed_components: dict[int, int] = {}
    steps_at: dict[int, list[Step]] = {}
    for step in timeline.steps:
        steps_at.setdefault(step.position, []).append(step)
    members_at = {position: (entered, left) for position, entered, left in timeline.components}
    first = True
    tallies: dict[int, dict[str, Any]] = {}
    for commit in timeline.commits:
        position = commit.position
        if position in members_at:
            entered, left = members_at[position]
            if first and timeline.first_full:
                entered, left = entered - present.keys(), present.keys() - entered
            first = False
            for name in left:
                gone = present.pop(name, None)
                if isinstance(gone, ComponentSpan) and gone.pk:
                    closed_components[gone.pk] = position
                elif gone is not None:
                    gone.end = position
            for name in entered:
                if name not in present:
                    entering = ComponentSpan(name=name, start=position)
                    new_components.append(entering)
                    present[name] = entering
            tally.components = len(present)
        for step in steps_at.get(position, []):
            old = open_spans.pop((step.component, step.key), None)
            if old is not None:
                tally.add(_brief(old), -1)
                if isinstance(old, _New):
                    old.end = position
                else:
                    closed[old.pk] = position
            if step.deviation is not None:
                assert step.introduced is not None and step.changed is not None
                new = _New(
                    step.component,
                    step.key,
                    step.deviation,
                    step.introduced.sha,
                    step.changed.sha,
                    position,
                )
                made.append(new)
                open_spans[(step.component, step.key)] = new
                tally.add(_brief(new), 1)
        tallies[position] = tally.snapshot()

    for end in set(closed.values()):
        DeviationSpan.objects.filter(pk__in=[pk for pk, e in closed.items() if e == end]).update(
            end=end
        )
    for end in set(closed_components.values()):
        ComponentSpan.objects.filter(
            pk__in=[pk for pk, e in closed_components.items() if e == end]
        ).update(end=end)
    DeviationSpan.objects.bulk_create(
        [
            DeviationSpan(
                component_name=n.component_name,
                key=n.key,
                kind=n.stated.kind,
                position=n.stated.position,
                overlay_type=n.stated.overlay_type,
                category=n.stated.category[:64],
                upstream_status=n.stated.upstream_status[:32],
                description=n.stated.description,
                content=n.stated.content,
                metadata=n.stated.metadata,
                comment=n.stated.comment,
                reason=n.stated.reason,
                fingerprint=n.stated.fingerprint,
                config_file=n.stated.config_file[:1000],
                line_start=n.stated.line_start,
                line_end=n.stated.line_end,
                introduced_commit_id=ids[n.introduced],
                changed_commit_id=ids[n.changed],
                start=n.start,
                end=n.end,
            )
            for n in made
        ],
        batch_size=BATCH,
    )
    ComponentSpan.objects.bulk_create(new_components, batch_size=BATCH)
    rows = list(
        ConfigCommit.objects.filter(position__in=list(tallies)).only("id", "position", "tally")
    )
    for row in rows:
        assert row.position is not None
        row.tally = tallies[row.position]
    ConfigCommit.objects.bulk_update(rows, ["tally"], BATCH)
    _link(config, keys)
    return len(timeline.commits)


def _link(config: Config, keys: dict[str, list[str]] | None) -> None:
    """Tie the spans of the deviations in the config now (and their earlier states, by
    the replay's key) to their records, and the components' spans to theirs."""
    if not keys:
        return
    by_place = {
        (name, position): pk
        for name, position, pk in Deviation.objects.filter(removed=False).values_list(
            "component__name", "position", "id"
        )
    }
    wanted: dict[tuple[str, str], int] = {}
    for name, devs in config.deviations.items():
        for deviation, key in zip(devs, keys.get(name, []), strict=True):
            pk = by_place.get((name, deviation.position))
            if pk is not None:
                wanted[(name, key)] = pk
    names = sorted({name for name, _ in wanted})
    spans = []
    for offset in range(0, len(names), BATCH):
        for span in DeviationSpan.objects.filter(
            component_name__in=names[offset : offset + BATCH]
        ).only("id", "component_name", "key", "deviation_id"):
            pk = wanted.get((span.component_name, span.key))
            if pk is not None and span.deviation_id != pk:
                span.deviation_id = pk
                spans.append(span)
    DeviationSpan.objects.bulk_update(spans, ["deviation"], BATCH)
    ComponentSpan.objects.filter(component__isnull=True).update(
        component_id=Subquery(Component.objects.filter(name=OuterRef("name")).values("id")[:1])
    )

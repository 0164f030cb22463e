"""Writing an import plan: bulk inserts and updates, an audit event for every change.

Called inside the import's transaction.  Rows are written in a handful of statements
(bulk inserts; one `executemany` UPDATE per table), so a cold import of ~7,600
components and a changed import cost about the same few round trips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from deviations.core.config import Deviation as Found
from deviations.core.severity import documented, overlay_label
from deviations.domain import audit, bulk
from deviations.domain.importer.plan import (
    CHANGE,
    COMPONENT_CONTENT,
    COMPONENT_DERIVED,
    CREATE,
    REMOVE,
    RESTORE,
    UPDATE,
    ComponentStep,
    DeviationStep,
    Plan,
    Run,
)
from deviations.models import (
    Component,
    ConfigCommit,
    Deviation,
    DeviationLife,
    DeviationVersion,
    ImportRun,
)
from deviations.vocabulary import AuditAction, DeviationKind

BATCH = 1000
_DEVIATION_FIELDS = (
    "kind",
    "position",
    "overlay_type",
    "category",
    "upstream_status",
    "description",
    "documented",
    "label",
    "fingerprint",
    "config_file",
    "line_start",
    "line_end",
    "current_version_id",
    "introduced_commit_id",
    "changed_commit_id",
    "removed",
    "removed_at",
    "updated_at",
)
_COMPONENT_FIELDS = (*COMPONENT_CONTENT, *COMPONENT_DERIVED, "removed", "removed_at", "updated_at")


# Values of these fields go to the driver as they are; others (dates, JSON) are adapted.
_PLAIN = (models.CharField, models.IntegerField, models.BooleanField, models.ForeignKey)


class _Prepared:
    """A field's database value of each value, remembering the last one.

    Rows of an import repeat the same values down a column (the import's time, the
    snapshot date, no groups), and Django's adaptation of a date or a JSON value costs
    more than the rest of the row.
    """

    def __init__(self, field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> None:
        self.field, self.db = field, db
        self.last: tuple[Any, Any] | None = None

    def __call__(self, value: Any) -> Any:
        last = self.last
        if last is not None and type(last[0]) is type(value) and last[0] == value:
            return last[1]
        prepared = self.field.get_db_prep_save(value, self.db)
        self.last = (value, prepared)
        return prepared


def _preparers(columns: Sequence[models.Field[Any, Any]]) -> list[_Prepared | None]:
    # The connection itself, not the proxy that looks it up on every attribute.
    db = connections[DEFAULT_DB_ALIAS]
    return [None if isinstance(f, _PLAIN) else _Prepared(f, db) for f in columns]


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    """The model's concrete fields by name."""
    found = [model._meta.get_field(name) for name in names]
    fields = [f for f in found if isinstance(f, models.Field)]
    if len(fields) != len(found):
        raise LookupError(f"{model.__name__}: not all of {', '.join(names)} are concrete fields")
    return fields


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """UPDATE model SET fields... WHERE id = ? for each (values..., id), in one executemany."""
    rows = list(rows)
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = _fields(model, fields)
    sets = ", ".join(f"{quote(audit.column(model, name))} = %s" for name in fields)
    pk = quote(audit.column(model, meta.pk.name))
    # Only model metadata (quoted table and column names) goes into the text; values are
    # parameters.
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {pk} = %s"  # noqa: S608
    prepare = _preparers(columns)
    params = [
        [v if p is None else p(v) for p, v in zip(prepare, row[:-1], strict=True)] + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """INSERT INTO model (fields...) each row (no ids returned), with bulk.insert.

    For the thousands of components of a cold import: the ORM's bulk_create spends most
    of its time compiling one huge statement per batch.
    """
    prepare = _preparers(_fields(model, fields))
    bulk.insert(
        model,
        fields,
        ([v if p is None else p(v) for p, v in zip(prepare, row, strict=True)] for row in rows),
    )


def version_payload(key: str, found: Found, commit: str | None) -> dict[str, Any]:
    """A deviation version as audit events show it (before/after)."""
    return {
        "key": key,
        "kind": found.kind,
        "overlay_type": found.overlay_type,
        "content": found.content,
        "fingerprint": found.fingerprint,
        "description": found.description,
        "metadata": found.metadata,
        "comment": found.comment,
        "reason": found.reason,
        "config_file": found.config_file,
        "lines": [found.line_start, found.line_end],
        "commit": commit,
    }


def _row_payload(row: dict[str, Any], version: DeviationVersion | None) -> dict[str, Any]:
    payload = {
        "key": row["key"],
        "kind": row["kind"],
        "overlay_type": row["overlay_type"],
        "fingerprint": row["fingerprint"],
        "config_file": row["config_file"],
        "lines": [row["line_start"], row["line_end"]],
        "commit": row["changed_commit__sha"],
    }
    if version is not None:
        payload.update(
            content=version.content,
            description=version.description,
            metadata=version.metadata,
            comment=version.comment,
            reason=version.reason,
        )
    return payload


def _component_payload(values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: values[f] for f in fields}


def ensure_commits(plan: Plan, extra: Iterable[str]) -> dict[str, int]:
    """ConfigCommit ids for every commit the plan refers to (creating missing rows)."""
    wanted = {s.introduced for s in plan.deviations if s.introduced}
    wanted |= {s.changed for s in plan.deviations if s.changed}
    wanted |= {
        sha for s in plan.deviations if s.earlier_changed for run in s.earlier for sha in run
    }
    wanted |= set(extra)
    ids = dict(ConfigCommit.objects.filter(sha__in=wanted).values_list("sha", "id"))
    missing = [plan.commits[sha] for sha in sorted(wanted - ids.keys()) if sha in plan.commits]
    created = ConfigCommit.objects.bulk_create(
        [
            ConfigCommit(
                sha=c.sha,
                author_name=c.author_name[:255],
                author_email=c.author_email[:255],
                authored_at=c.authored_at,
                committed_at=c.committed_at,
                subject=c.subject[:1000],
            )
            for c in missing
        ],
        batch_size=BATCH,
    )
    ids.update({c.sha: c.pk for c in created})
    return ids


def apply_plan(
    plan: Plan, run: ImportRun, actor: audit.Actor, now: dt.datetime, commits: dict[str, int]
) -> Iterator[audit.Draft]:
    """Write the plan; return the audit drafts (component order), not yet recorded.

    The component events are made as they are read (a cold import of 100,000 components
    would otherwise hold as many drafts at once); read them before the plan changes.
    """
    component_ids = _write_components(plan.components, now)
    deviation_drafts = _write_deviations(plan, run, now, component_ids, commits)
    steps = {step.name: step for step in plan.components if step.action}

    def drafts() -> Iterator[audit.Draft]:
        for name in sorted(steps.keys() | deviation_drafts.keys()):
            step = steps.get(name)
            draft = _component_draft(step, component_ids[name]) if step is not None else None
            if draft is not None:
                yield draft
            yield from deviation_drafts.get(name, ())

    return drafts()


def _write_components(steps: list[ComponentStep], now: dt.datetime) -> dict[str, int]:
    ids = {s.name: s.row["id"] for s in steps if s.row is not None}
    fields = ("name", *COMPONENT_CONTENT, *COMPONENT_DERIVED, "removed", "created_at", "updated_at")
    new = [
        (s.name, *(s.values[f] for f in (*COMPONENT_CONTENT, *COMPONENT_DERIVED)), False, now, now)
        for s in steps
        if s.action == CREATE
    ]
    if new:
        insert_rows(Component, fields, new)
        ids.update(Component.objects.values_list("name", "id"))
    rows = []
    for s in steps:
        if s.action in (CHANGE, RESTORE, UPDATE):
            values = {**s.values, "removed": False, "removed_at": None, "updated_at": now}
            rows.append((*(values[f] for f in _COMPONENT_FIELDS), s.record["id"]))
        elif s.action == REMOVE:
            values = {**s.record, "removed": True, "removed_at": now, "updated_at": now}
            values["deviation_count"] = 0
            rows.append((*(values[f] for f in _COMPONENT_FIELDS), s.record["id"]))
    update_rows(Component, _COMPONENT_FIELDS, rows)
    return ids


def _component_draft(step: ComponentStep, pk: int) -> audit.Draft | None:
    describe: audit.Described = {
        "object_type": "component",
        "object_id": str(pk),
        "object_repr": step.name,
    }
    if step.action == CREATE:
        after = _component_payload(step.values, (*COMPONENT_CONTENT, "config_file"))
        return audit.Draft(
            AuditAction.COMPONENT_CREATED, **describe, component_name=step.name, after=after
        )
    if step.action == RESTORE:
        after = _component_payload(step.values, (*COMPONENT_CONTENT, "config_file"))
        return audit.Draft(
            AuditAction.COMPONENT_RESTORED, **describe, component_name=step.name, after=after
        )
    if step.action == CHANGE:
        return audit.Draft(
            AuditAction.COMPONENT_CHANGED,
            **describe,
            component_name=step.name,
            before=_component_payload(step.record, step.changed),
            after=_component_payload(step.values, step.changed),
        )
    if step.action == REMOVE:
        before = _component_payload(step.record, (*COMPONENT_CONTENT, "config_file"))
        return audit.Draft(
            AuditAction.COMPONENT_REMOVED, **describe, component_name=step.name, before=before
        )
    return None


def _write_deviations(
    plan: Plan,
    run: ImportRun,
    now: dt.datetime,
    component_ids: dict[str, int],
    commits: dict[str, int],
) -> dict[str, list[audit.Draft]]:
    steps = [s for s in plan.deviations if s.action]
    new = [s for s in steps if s.action == CREATE]
    created = Deviation.objects.bulk_create(
        [
            Deviation(
                component_id=component_ids[s.component],
                key=s.key,
                **_deviation_fields(s, None, commits, now),
                created_at=now,
            )
            for s in new
        ],
        batch_size=BATCH,
    )
    ids = {id(s): d.pk for s, d in zip(new, created, strict=True)}
    ids.update({id(s): s.row["id"] for s in steps if s.row is not None})

    versioned = [s for s in steps if s.action in (CREATE, CHANGE, RESTORE)]
    versions = DeviationVersion.objects.bulk_create(
        [
            DeviationVersion(
                deviation_id=ids[id(s)],
                number=(s.row["current_version__number"] or 0) + 1 if s.row else 1,
                content=s.stated.content,
                description=s.stated.description,
                metadata=s.stated.metadata,
                comment=s.stated.comment,
                reason=s.stated.reason,
                config_file=s.stated.config_file,
                line_start=s.stated.line_start,
                line_end=s.stated.line_end,
                fingerprint=s.stated.fingerprint,
                commit_id=commits.get(s.changed) if s.changed else None,
                import_run=run,
                created_at=now,
            )
            for s in versioned
        ],
        batch_size=BATCH,
    )
    version_ids = {id(s): v.pk for s, v in zip(versioned, versions, strict=True)}

    # The previous versions of changed deviations, for the events' "before".
    previous = {
        v.pk: v
        for v in DeviationVersion.objects.filter(
            pk__in=[s.record["current_version_id"] for s in steps if s.action in (CHANGE, REMOVE)]
        ).only("content", "description", "metadata", "comment", "reason")
    }
    rows = []
    for s in steps:
        fields = _deviation_fields(s, version_ids.get(id(s)), commits, now)
        if s.action != CREATE or version_ids.get(id(s)):
            rows.append((*(fields[f] for f in _DEVIATION_FIELDS), ids[id(s)]))
    update_rows(Deviation, _DEVIATION_FIELDS, rows)
    _write_earlier_lives([s for s in steps if s.earlier_changed], ids, commits)

    drafts: dict[str, list[audit.Draft]] = {}
    for s in steps:
        draft = _deviation_draft(s, ids[id(s)], previous)
        if draft is not None:
            drafts.setdefault(s.component, []).append(draft)
    return drafts


def _write_earlier_lives(
    steps: list[DeviationStep], ids: dict[int, int], commits: dict[str, int]
) -> None:
    """Replace the earlier runs of these deviations with the ones the history walk found."""
    if not steps:
        return
    DeviationLife.objects.filter(
        deviation_id__in=[ids[id(s)] for s in steps if s.earlier_recorded]
    ).delete()
    DeviationLife.objects.bulk_create(
        [
            DeviationLife(
                deviation_id=ids[id(s)],
                number=number,
                introduced_commit_id=commits[introduced],
                changed_commit_id=commits[changed],
                removed_commit_id=commits[removed],
            )
            for s in steps
            for number, (introduced, changed, removed) in enumerate(s.earlier, start=1)
        ],
        batch_size=BATCH,
    )


def runs_payload(runs: list[Run]) -> list[dict[str, str]]:
    """Earlier runs as audit events show them."""
    return [
        {"introduced_commit": introduced, "changed_commit": changed, "removed_commit": removed}
        for introduced, changed, removed in runs
    ]


def _deviation_fields(
    step: DeviationStep, version_id: int | None, commits: dict[str, int], now: dt.datetime
) -> dict[str, Any]:
    """The Deviation columns the step leaves (every field in _DEVIATION_FIELDS)."""
    row = step.row or {}
    if step.action == REMOVE:
        return {
            **{f: row.get(f) for f in _DEVIATION_FIELDS if f in row},
            "current_version_id": row["current_version_id"],
            "introduced_commit_id": commits.get(row["introduced_commit__sha"]),
            "changed_commit_id": commits.get(row["changed_commit__sha"]),
            "removed": True,
            "removed_at": now,
            "updated_at": now,
        }
    found = step.stated
    return {
        "kind": found.kind,
        "position": found.position,
        "overlay_type": found.overlay_type,
        "category": found.category,
        "upstream_status": found.upstream_status,
        "description": found.description,
        "documented": documented(found.description, found.comment, found.reason, found.metadata),
        "label": overlay_label(found.content)[:300] if found.kind == DeviationKind.OVERLAY else "",
        "fingerprint": found.fingerprint,
        "config_file": found.config_file,
        "line_start": found.line_start,
        "line_end": found.line_end,
        "current_version_id": version_id or row.get("current_version_id"),
        "introduced_commit_id": commits.get(step.introduced) if step.introduced else None,
        "changed_commit_id": commits.get(step.changed) if step.changed else None,
        "removed": False,
        "removed_at": None,
        "updated_at": now,
    }


class _DeviationAbout(audit.Described):
    component_name: str


def _deviation_draft(
    step: DeviationStep, pk: int, previous: dict[int, DeviationVersion]
) -> audit.Draft | None:
    describe: _DeviationAbout = {
        "object_type": "deviation",
        "object_id": str(pk),
        "object_repr": f"{step.component}: {step.key}",
        "component_name": step.component,
    }
    if step.action in (CREATE, RESTORE):
        action = (
            AuditAction.DEVIATION_CREATED
            if step.action == CREATE
            else AuditAction.DEVIATION_RESTORED
        )
        after = version_payload(step.key, step.stated, step.changed)
        after["introduced_commit"] = step.introduced
        if step.earlier:
            after["earlier_lives"] = runs_payload(step.earlier)
        return audit.Draft(action, **describe, after=after)
    if step.action == CHANGE:
        before = _row_payload(step.record, previous.get(step.record["current_version_id"]))
        after = version_payload(step.key, step.stated, step.changed)
        if step.earlier_changed:
            before["earlier_lives"] = runs_payload(step.earlier_recorded)
            after["earlier_lives"] = runs_payload(step.earlier)
        return audit.Draft(AuditAction.DEVIATION_CHANGED, **describe, before=before, after=after)
    if step.action == REMOVE:
        before = _row_payload(step.record, previous.get(step.record["current_version_id"]))
        return audit.Draft(AuditAction.DEVIATION_REMOVED, **describe, before=before)
    if step.action == UPDATE and step.provenance_changed:
        return audit.Draft(
            AuditAction.DEVIATION_PROVENANCE,
            **describe,
            before={
                "introduced_commit": step.record["introduced_commit__sha"],
                "changed_commit": step.record["changed_commit__sha"],
                "earlier_lives": runs_payload(step.earlier_recorded),
            },
            after={
                "introduced_commit": step.introduced,
                "changed_commit": step.changed,
                "earlier_lives": runs_payload(step.earlier),
            },
        )
    return None

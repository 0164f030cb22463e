"""The exports: each one's columns, list-page query, FilterSet and per-chunk Python cells."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import django_filters as df
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

from deviations.core import severity as rule
from deviations.domain import ownership
from deviations.models import (
    Deviation,
    JustificationNote,
    NoteVersion,
    OverlayResult,
    Review,
    UpstreamSuggestion,
)
from deviations.reads import ownership as ownership_reads
from deviations.reads import queries
from deviations.reads.exports.cells import ExportError, _cell, _json, _json_cell, _refs, when
from deviations.reads.exports.sql import (
    PY,
    Layout,
    _flag,
    _iso,
    _json_text,
    _lines,
    _maybe_flag,
    _number,
    _person,
    _text,
)
from deviations.reads.filters import (
    AcknowledgementFilter,
    AuditEventFilter,
    ComponentFilter,
    DeviationFilter,
    ReviewFilter,
)
from deviations.reads.severity import RULE_FIELDS
from deviations.vocabulary import (
    AcknowledgedSubject,
    AcknowledgementState,
    ReviewState,
    Severity,
    SuggestionStatus,
    Target,
)
from deviations.vocabulary.reviews import OPEN

# How a dataset's per-chunk reads run: (SQL, parameters) -> rows.  The export passes
# the connection that shares its snapshot (deviations.reads.exports.streaming).  Hand-written
# SQL (names from the models, values bound): building a 2,000-value IN lookup through
# the ORM costs more than the query itself, once per chunk.
Fetch = Callable[[str, list[Any]], list[tuple]]


@dataclass(frozen=True)
class Extra:
    """An opt-in column (`?columns=<name>`), added after the dataset's own columns: its
    header and, per chunk, row id -> the cell (CSV text, formula-safe)."""

    column: str
    cells: Callable[[list[int], Fetch], dict[int, str]]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    filterset: type[df.FilterSet]
    base: Callable[[], QuerySet]  # the list page's query function
    layout: Layout
    values: tuple[Any, ...]  # read per row for `cells`, after pk and the layout's text
    # One chunk of rows (pk, text, *values) -> each row's Python cells, as CSV fields;
    # what they need from other tables they read with the Fetch given.
    cells: Callable[[list[tuple], Fetch], Iterable[tuple[str, ...]]]
    # The list page's own ordering step after its FilterSet, if it has one.
    order: Callable[[QuerySet, str | None], QuerySet] | None = None
    extras: dict[str, Extra] | None = None  # opt-in columns by name

    @property
    def columns(self) -> tuple[str, ...]:
        return self.layout.columns


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _among(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: SQL and its parameters.  PostgreSQL takes the ids as one
    array parameter -- psycopg parses a query's placeholders in Python, and 2,000 of
    them cost more than the query -- written as the array's text (dumping a list of
    ints costs 2 ms a chunk); SQLite has no arrays but binds cheaply."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


# Deviations ---------------------------------------------------------------------------------

_DEVIATIONS = Layout(
    ("component", _text("component__name")),
    ("deviation_id", _number("pk")),
    ("key", _text("key")),
    ("kind", _text("kind")),
    ("overlay_type", _text("overlay_type")),
    ("parameters", PY),
    ("category", _text("category")),
    ("upstream_status", _text("upstream_status")),
    ("description", PY),
    ("justification_notes", PY),
    ("toml_comment", PY),
    ("reason", PY),
    ("reference_commits", PY),
    ("reference_bugs", PY),
    ("config_file", _text("config_file")),
    ("config_lines", _lines("line_start", "line_end")),
    ("introduced_commit", _text("introduced_commit__sha")),
    (
        "introduced_author",
        _person("introduced_commit__author_name", "introduced_commit__author_email"),
    ),
    ("introduced_at", _iso("introduced_commit__authored_at")),
    ("changed_commit", _text("changed_commit__sha")),
    ("changed_author", _person("changed_commit__author_name", "changed_commit__author_email")),
    ("changed_at", _iso("changed_commit__authored_at")),
    ("review_state", _text("review_state")),
    ("reviewed_by", PY),
    ("reviewed_at", PY),
    ("review_decision", PY),
    ("review_comment", PY),
    ("fingerprint", _text("fingerprint")),
    ("version", _number("current_version__number")),
    ("pinned_commit", _text("component__sync__pinned_commit")),
    ("tip_commit", _text("component__sync__tip_commit")),
    ("commits_behind", _number("component__sync__commits_behind")),
    ("verdict_at_pin", _text("verdict_at_pin")),
    ("verdict_at_tip", _text("verdict_at_tip")),
    ("obsolete", _flag("obsolete")),
    ("obsolete_reason", PY),
    ("removed", _flag("removed")),
    ("suggested_upstream_status", PY),
    ("severity", PY),
    ("severities", PY),
    ("documented", _flag("documented")),
    ("label", _text("label")),
    # Ownership (added at the end): the owner and due date, and what is computed from
    # them and from acknowledgements on the day of the export.
    ("owner", _text("owner__name")),
    ("due_date", _number("due_date")),
    ("overdue", PY),
    ("acknowledged_until", PY),
    ("acknowledgement_reason", PY),
)
DEVIATION_COLUMNS = _DEVIATIONS.columns

_DEVIATION_VALUES = (
    _json_text("current_version__content"),
    "description",
    "current_version__comment",
    "current_version__reason",
    _json_text("current_version__metadata"),
    "obsolete_reason",
    *RULE_FIELDS,
    "due_date",
    "removed",
)
_NO_REVIEW = ("", "", "", "")
_NO_REFERENCES = ("", "")


def _last_reviews(ids: list[int], fetch: Fetch) -> dict[int, tuple[str, str, str, str]]:
    """deviation id -> the cells (reviewer, decided at, decision, comment) of its last decision."""
    review, user = _table(Review), _table(get_user_model())
    among, params = _among("r.deviation_id", ids)
    rows = fetch(
        f"SELECT r.deviation_id, u.username, r.created_at, r.decision, r.comment "  # noqa: S608
        f"FROM {review} r JOIN {user} u ON u.id = r.reviewer_id "
        f"WHERE {among} "
        f"ORDER BY r.deviation_id, r.created_at DESC, r.id DESC",
        params,
    )
    latest: dict[int, tuple[str, str, str, str]] = {}
    for pk, reviewer, at, decision, comment in rows:
        if pk not in latest:
            latest[pk] = (_cell(reviewer), _cell(when(at)), _cell(decision), _cell(comment))
    return latest


def _notes(ids: list[int], fetch: Fetch) -> dict[int, str]:
    """deviation id -> the cell of its notes' latest texts, oldest note first, each with
    author and time."""
    version, note, user = _table(NoteVersion), _table(JustificationNote), _table(get_user_model())
    among, params = _among("n.deviation_id", ids)
    rows = fetch(
        f"SELECT n.deviation_id, v.note_id, v.number, v.text, u.username, v.created_at "  # noqa: S608
        f"FROM {version} v JOIN {note} n ON n.id = v.note_id JOIN {user} u ON u.id = v.author_id "
        f"WHERE {among} "
        f"ORDER BY n.deviation_id, n.created_at, v.note_id, v.number DESC",
        params,
    )
    latest: dict[int, dict[int, str]] = {}
    for pk, note_id, number, text, author, at in rows:
        notes = latest.setdefault(pk, {})
        if note_id not in notes:
            notes[note_id] = f"[note {note_id} v{number}, {author}, {when(at)}] {text}"
    return {pk: _cell("\n\n".join(notes.values())) for pk, notes in latest.items()}


@lru_cache(maxsize=4096)  # many deviations share their content (build options, pins)
def _parameters(text: str | None) -> str:
    """The cell of the deviation's fields as compact JSON, less the overlay `type` (its
    own column)."""
    if text is None:
        return ""
    content = json.loads(text)
    if isinstance(content, dict):
        content = {k: v for k, v in content.items() if k != "type"}
    return _cell(_json(content)) if content else ""


def _references(text: str | None) -> tuple[str, str]:
    """The cells of the metadata's `commits` and `bugs` references."""
    # Most metadata has no references: skip decoding it then (a third of a row's cost).
    if text is None or ('"commits"' not in text and '"bugs"' not in text):
        return _NO_REFERENCES
    metadata = json.loads(text)
    return _cell(_refs(metadata, "commits")), _cell(_refs(metadata, "bugs"))


def _suggestions(ids: list[int], fetch: Fetch) -> dict[int, str]:
    """deviation id -> the cell of its open upstream suggestions' kinds (one per line)."""
    among, params = _among("deviation_id", ids)
    rows = fetch(
        f"SELECT DISTINCT deviation_id, kind FROM {_table(UpstreamSuggestion)} "  # noqa: S608
        f"WHERE {among} AND status = %s ORDER BY deviation_id, kind",
        [*params, SuggestionStatus.OPEN.value],
    )
    found: dict[int, list[str]] = {}
    for pk, kind in rows:
        found.setdefault(pk, []).append(kind)
    return {pk: _cell("\n".join(kinds)) for pk, kinds in found.items()}


def _overdue(due: Any, removed: Any, day: dt.date) -> str:
    """`true` past the due date while in the config, `false` before it, '' without one."""
    if due is None or due == "":
        return ""
    due_day = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due)[:10])
    return "true" if due_day < day and not removed else "false"


def _acknowledged(
    ids: list[int], fetch: Fetch, day: dt.date, *, drift: bool
) -> dict[int, tuple[str, str]]:
    """id -> (acknowledged until, reason) of what holds acknowledged on `day`: a
    component's drift (`drift`), else anything on a deviation (the soonest expiry; every
    reason, each after its subject).  The holding rule is the domain's, compiled to SQL
    and run on the export's snapshot."""
    column = "component_id" if drift else "deviation_id"
    rows = ownership.holding(day).filter(**{f"{column}__in": ids})
    rows = (
        rows.filter(subject=AcknowledgedSubject.DRIFT)
        if drift
        else rows.exclude(subject=AcknowledgedSubject.DRIFT)
    )
    sql, params = (
        rows.values_list(column, "subject", "expires_on", "reason")
        .order_by(column, "expires_on", "pk")
        .query.sql_with_params()
    )
    found: dict[int, tuple[str, list[str]]] = {}
    for pk, subject, until, reason in fetch(sql, list(params)):
        _, reasons = found.setdefault(pk, (str(until)[:10], []))
        reasons.append(f"{subject}: {reason}")
    return {pk: (until, _cell("\n".join(reasons))) for pk, (until, reasons) in found.items()}


def _deviation_cells(chunk: list[tuple], fetch: Fetch) -> Iterator[tuple[str, ...]]:
    ids = [row[0] for row in chunk]
    reviews, notes = _last_reviews(ids, fetch), _notes(ids, fetch)
    suggestions = _suggestions(ids, fetch)
    day = ownership.today()
    acknowledged = _acknowledged(ids, fetch, day, drift=False)
    for row in chunk:
        pk, _, content, description, comment, reason, metadata, obsolete_reason = row[:8]
        *judged, due, removed = row[8:]
        found = _severities(*judged)
        yield (
            _parameters(content),
            _cell(description),
            notes.get(pk, ""),
            _cell(comment),
            _cell(reason),
            *_references(metadata),
            *reviews.get(pk, _NO_REVIEW),
            _cell(obsolete_reason),
            suggestions.get(pk, ""),
            _cell(found[0]),
            _cell("; ".join(found)),
            _overdue(due, removed, day),
            *acknowledged.get(pk, ("", "")),
        )


@lru_cache(maxsize=1024)  # a few hundred combinations at most
def _severities(
    verdict_at_pin: str, verdict_at_tip: str, review_state: str, obsolete: Any, documented: Any
) -> tuple[Severity, ...]:
    return rule.severities(
        verdict_at_pin=verdict_at_pin,
        verdict_at_tip=verdict_at_tip,
        review_state=review_state,
        obsolete=bool(obsolete),
        documented=bool(documented),
    )


def _pin_diffs(ids: list[int], fetch: Fetch) -> dict[int, str]:
    """deviation id -> the cell of its own diff at the pinned commit (the last sync's)."""
    among, params = _among("deviation_id", ids)
    rows = fetch(
        f"SELECT deviation_id, diff FROM {_table(OverlayResult)} "  # noqa: S608
        f"WHERE {among} AND target = %s",
        [*params, Target.PIN.value],
    )
    # A diff's lines start with '-', '+', '@': _cell neutralises and quotes it.
    return {pk: _cell(diff) for pk, diff in rows}


DEVIATION_EXTRAS = {"diff": Extra("diff_at_pin", _pin_diffs)}


# Components ---------------------------------------------------------------------------------

_COMPONENTS = Layout(
    ("component", _text("name")),
    ("spec_type", _text("spec_type")),
    ("distro", _text("distro")),
    ("distro_version", _text("distro_version")),
    ("upstream_name", _text("upstream_name")),
    ("dist_git_url", _text("dist_git_url")),
    ("dist_git_branch", _text("dist_git_branch")),
    ("snapshot", _text("snapshot")),
    ("config_pin", _text("upstream_commit")),
    ("local_spec", _text("local_spec_path")),
    ("config_file", _text("config_file")),
    ("config_line", _number("config_line")),
    ("deviations", _number("deviation_count")),
    ("deviation_kinds", PY),
    ("needs_review", PY),
    ("approved", PY),
    ("pinned_commit", _text("sync__pinned_commit")),
    ("pinned_at", _iso("sync__pinned_at")),
    ("tip_commit", _text("sync__tip_commit")),
    ("tip_at", _iso("sync__tip_at")),
    ("commits_behind", _number("sync__commits_behind")),
    ("version_at_pin", _text("sync__version_at_pin")),
    ("release_at_pin", _text("sync__release_at_pin")),
    ("version_at_tip", _text("sync__version_at_tip")),
    ("release_at_tip", _text("sync__release_at_tip")),
    ("failing_at_pin", _number("sync__failing_at_pin")),
    ("failing_at_tip", _number("sync__failing_at_tip")),
    ("noop_at_tip", _number("sync__noop_at_tip")),
    ("obsolete_candidates", _number("sync__obsolete_count")),
    ("sync_error_kind", _text("sync__error_kind")),
    ("sync_error", PY),
    ("synced_at", _iso("sync__synced_at")),
    ("removed", _flag("removed")),
    ("upstream_project", _text("upstream_release__project")),
    ("upstream_latest_version", _text("upstream_release__latest_version")),
    ("upstream_newer_than_fedora", _maybe_flag("upstream_release__newer_than_fedora")),
    ("status", PY),
    ("undocumented", PY),
    # Ownership (added at the end), as for deviations; acknowledged: its drift.
    ("owner", _text("owner__name")),
    ("due_date", _number("due_date")),
    ("overdue", PY),
    ("acknowledged_until", PY),
    ("acknowledgement_reason", PY),
)
COMPONENT_COLUMNS = _COMPONENTS.columns


def _component_cells(chunk: list[tuple], fetch: Fetch) -> Iterator[tuple[str, ...]]:
    ids = [row[0] for row in chunk]
    kinds: dict[int, dict[str, int]] = {}
    states: dict[int, dict[str, int]] = {}
    found: dict[int, list[tuple[Severity, ...]]] = {}
    undocumented: dict[int, int] = {}
    among, params = _among("component_id", ids)
    counted = fetch(
        f"SELECT component_id, kind, {', '.join(RULE_FIELDS)}, COUNT(*) "  # noqa: S608
        f"FROM {_table(Deviation)} WHERE {among} AND removed = %s "
        f"GROUP BY component_id, kind, {', '.join(RULE_FIELDS)}",
        [*params, False],
    )
    for pk, kind, pin, tip, state, obsolete, documented, n in counted:
        by_kind = kinds.setdefault(pk, {})
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_state = states.setdefault(pk, {})
        by_state[state] = by_state.get(state, 0) + n
        found.setdefault(pk, []).append(_severities(pin, tip, state, obsolete, documented))
        undocumented[pk] = undocumented.get(pk, 0) + (0 if documented else n)
    day = ownership.today()
    acknowledged = _acknowledged(ids, fetch, day, drift=True)
    for pk, _, error, error_kind, render_ok, due, removed in chunk:
        by_state = states.get(pk, {})
        status = rule.component_status(
            found.get(pk, []),
            error_kind=error_kind or "",
            render_ok=render_ok is None or bool(render_ok),
        )
        yield (
            _cell("; ".join(f"{kind} {n}" for kind, n in sorted(kinds.get(pk, {}).items()))),
            str(sum(by_state.get(state, 0) for state in OPEN)),
            str(by_state.get(ReviewState.APPROVED, 0)),
            _cell(error),
            _cell(status),
            str(undocumented.get(pk, 0)),
            _overdue(due, removed, day),
            *acknowledged.get(pk, ("", "")),
        )


# Audit log ----------------------------------------------------------------------------------

_AUDIT = Layout(
    ("seq", _number("seq")),
    # Always with microseconds: exactly the text the event's hash covers.
    ("created_at", _iso("created_at", microseconds=True)),
    ("actor", _text("actor_label")),
    ("actor_id", _number("actor_id")),
    ("origin", _text("origin")),
    ("action", _text("action")),
    ("object_type", _text("object_type")),
    ("object_id", _text("object_id")),
    ("object_repr", PY),
    ("component", _text("component_name")),
    ("before", PY),
    ("after", PY),
    ("prev_hash", _text("prev_hash")),
    ("hash", _text("hash")),
)
AUDIT_COLUMNS = _AUDIT.columns


def _audit_cells(chunk: list[tuple], fetch: Fetch) -> Iterator[tuple[str, ...]]:
    for _, _, label, before, after in chunk:
        yield _cell(label), _json_cell(before), _json_cell(after)


# Review history -----------------------------------------------------------------------------

_REVIEWS = Layout(
    ("review_id", _number("pk")),
    ("decided_at", _iso("created_at")),
    ("component", _text("deviation__component__name")),
    ("deviation_id", _number("deviation_id")),
    ("deviation_key", _text("deviation__key")),
    ("deviation_description", PY),
    ("decision", _text("decision")),
    ("comment", PY),
    ("reviewer", _text("reviewer__username")),
    ("version", _number("version__number")),
    ("fingerprint", _text("fingerprint")),
    ("effect_hash", _text("effect_hash")),
    ("review_state_now", _text("deviation__review_state")),
)
REVIEW_COLUMNS = _REVIEWS.columns


def _review_cells(chunk: list[tuple], fetch: Fetch) -> Iterator[tuple[str, ...]]:
    for _, _, description, comment in chunk:
        yield _cell(description), _cell(comment)


# Acknowledgements ---------------------------------------------------------------------------

_ACKNOWLEDGEMENTS = Layout(
    ("acknowledgement_id", _number("pk")),
    ("acknowledged_at", _iso("created_at")),
    ("acknowledged_by", _text("created_by__username")),
    ("component", _text("component__name")),
    ("deviation_id", _number("deviation_id")),
    ("deviation_key", _text("deviation__key")),
    ("subject", _text("subject")),
    ("suggestion_id", _number("suggestion_id")),
    ("reason", PY),
    ("expires_on", _number("expires_on")),
    ("recorded_state", _text("state")),
    ("state_today", PY),
    ("ended_at", _iso("ended_at")),
    ("basis_pin_commit", _text("basis_pin_commit")),
    ("basis_tip_commit", _text("basis_tip_commit")),
    ("basis_upstream_version", _text("basis_upstream_version")),
    ("basis_verdict", _text("basis_verdict")),
    ("basis_fingerprint", _text("basis_fingerprint")),
)
ACKNOWLEDGEMENT_COLUMNS = _ACKNOWLEDGEMENTS.columns


def _acknowledgement_cells(chunk: list[tuple], fetch: Fetch) -> Iterator[tuple[str, ...]]:
    day = ownership.today()
    ids = [row[0] for row in chunk]
    sql, params = (
        ownership.holding(day).filter(pk__in=ids).values_list("pk").query.sql_with_params()
    )
    held = {pk for (pk,) in fetch(sql, list(params))}
    for pk, _, reason, state, expires_on in chunk:
        if state != AcknowledgementState.ACTIVE:
            now = state
        elif str(expires_on)[:10] <= day.isoformat():
            now = AcknowledgementState.EXPIRED
        else:
            now = AcknowledgementState.ACTIVE if pk in held else AcknowledgementState.BASIS_CHANGED
        yield _cell(reason), str(now)


DATASETS: dict[str, Dataset] = {
    "deviations": Dataset(
        "deviations",
        "Deviations",
        DeviationFilter,
        queries.deviation_rows,
        _DEVIATIONS,
        _DEVIATION_VALUES,
        _deviation_cells,
        extras=DEVIATION_EXTRAS,
    ),
    "components": Dataset(
        "components",
        "Components with their drift",
        ComponentFilter,
        queries.component_rows,
        _COMPONENTS,
        ("sync__error", "sync__error_kind", "sync__render_ok", "due_date", "removed"),
        _component_cells,
    ),
    "audit": Dataset(
        "audit",
        "Audit log",
        AuditEventFilter,
        queries.audit_rows,
        _AUDIT,
        ("object_repr", _json_text("before"), _json_text("after")),
        _audit_cells,
    ),
    "queue": Dataset(
        "queue",
        "Review queue",
        DeviationFilter,
        queries.queue_rows,
        _DEVIATIONS,
        _DEVIATION_VALUES,
        _deviation_cells,
        queries.queue_order,
        extras=DEVIATION_EXTRAS,
    ),
    "reviews": Dataset(
        "reviews",
        "Review history",
        ReviewFilter,
        queries.review_rows,
        _REVIEWS,
        ("deviation__description", "comment"),
        _review_cells,
    ),
    "acknowledgements": Dataset(
        "acknowledgements",
        "Acknowledgements",
        AcknowledgementFilter,
        ownership_reads.acknowledgement_rows,
        _ACKNOWLEDGEMENTS,
        ("reason", "state", "expires_on"),
        _acknowledgement_cells,
    ),
}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise ExportError(f"unknown export {name!r}; one of: {known}") from None

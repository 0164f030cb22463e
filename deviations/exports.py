"""CSV exports of the record: deviations, components with their drift, the audit log, reviews.

An export selects its rows with the SAME FilterSet and query function as the
list page it comes from (deviations.filters, deviations.queries), so a
filtered page, its API list and its CSV agree by construction.  The
download views (deviations.views.exports, deviations.api.exports) and
`manage.py export` all come through `stream()`.

The file: RFC 4180 (comma, double quotes, CRLF), UTF-8 without a byte-order
mark, one header row, a fixed column order per dataset (its `Layout`,
documented in the README; columns are only ever added at the end), times in
ISO 8601 UTC (`2026-01-23T12:00:00Z`, microseconds only when there are any).
Fields are quoted exactly as the csv module quotes them (QUOTE_MINIMAL: only
fields holding a comma, a double quote, CR or LF), so `csv.reader` and
spreadsheets read the files back cell for cell.

Formula neutralisation (OWASP "CSV injection"): a text cell starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet shows it as text instead of running it.  A text cell that
already starts with `'` gets one too, which makes the rule reversible:
`unneutralise()` drops exactly one leading `'` (how `check_audit_csv`
recomputes the audit hashes from an export).

Streaming and speed (`bench/export.py`: 100,000 deviations): rows are read
CHUNK at a time from a chunked cursor (server-side on PostgreSQL) running the
SQL Django compiles for the FilterSet's queryset, with its filters and order.
Python objects per row are what costs, so the database formats the plain
columns itself (text, numbers, ISO times, `name <email>`, line ranges,
booleans) and returns them as ONE text value per row, the cells separated by
control characters; Python checks that text once (no quote, comma, line
break or formula-like cell start: almost always) and turns the separators
into commas, and quotes or neutralises cell by cell only when it must.
Python formats the rest: JSON (canonical, as the audit chain hashes it),
references, free text, and what a row needs from other tables (last review,
notes, deviation kinds), fetched per chunk with one query each.  Memory
stays flat however many rows there are.  The rows are read in one snapshot:
a REPEATABLE READ, READ ONLY transaction on PostgreSQL; on SQLite the open
read statement holds the connection's snapshot for every query made while it
runs.

Audit: each export is one `export.<dataset>` event (who, which filters, how
many rows, whether the file was complete), recorded when the stream ends --
on completion, on a client that went away (`complete: false` with the rows
already sent) and on an error.  Recording at the end is what makes the count
honest: it is the number of data rows that actually left, not a count taken
before them.  The event is written after the read snapshot is closed, in its
own short transaction, so the audit chain's lock is never held for the
length of a download.  (The one case with no event is a process killed
mid-download; nothing in-process can record that.)
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import django_filters as df
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Func, QuerySet, TextField
from django.http import StreamingHttpResponse
from django.utils import timezone

from . import audit, queries
from .filters import AuditEventFilter, ComponentFilter, DeviationFilter, ReviewFilter
from .models import AuditEvent, Deviation, JustificationNote, NoteVersion, Review

CHUNK = 2000
# OWASP: cells a spreadsheet would run as a formula.  "'" is added so the rule reverses.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISE = frozenset((*DANGEROUS_PREFIXES, "'"))
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
if json.encoder.c_make_encoder is not None:
    # Built once: JSONEncoder.encode() builds a C encoder on every call (as deviations.audit).
    _c_encode = json.encoder.c_make_encoder(
        None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )

    def _compact(value: Any) -> str:
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover - CPython always has the C accelerator
    _compact = _JSON.encode


class ExportError(ValueError):
    """An export that cannot run as asked: unknown dataset or invalid filters."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


# --- cells ---------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (see the module docstring)."""
    return "'" + text if text[:1] in _NEUTRALISE else text


def unneutralise(text: str) -> str:
    """The text `neutralise` was given."""
    return text[1:] if text[:1] == "'" else text


def _cell(text: str | None) -> str:
    """One field of the file: neutralised, then quoted as the csv module quotes (QUOTE_MINIMAL)."""
    if not text:
        return ""
    if text[0] in _NEUTRALISE:
        text = "'" + text
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def iso(moment: dt.datetime | None) -> str:
    """ISO 8601 in UTC with a Z; microseconds only when there are any."""
    if moment is None:
        return ""
    if moment.utcoffset():
        moment = moment.astimezone(dt.UTC)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


@lru_cache(maxsize=4096)  # decision and note times repeat across many rows
def when(value: dt.datetime | str | None) -> str:
    """`iso()` of a datetime as the database driver returns it: an aware datetime
    (PostgreSQL) or Django's text form "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (SQLite)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value.replace(" ", "T", 1) + "Z"
    return iso(value)


def _json(value: Any) -> str:
    """Compact JSON with sorted keys, non-ASCII kept (the audit chain's canonical form)."""
    return "" if value is None else _compact(value)


def _json_cell(text: str | None) -> str:
    """A JSON column read as text (`_JsonText`), as a cell of its canonical form."""
    return "" if text is None else _cell(_json(json.loads(text)))


def _refs(metadata: Mapping[str, Any] | None, key: str) -> str:
    """The URLs of a metadata reference list (`commits`, `bugs`), one per line, titles kept."""
    found = (metadata or {}).get(key) or []
    if not isinstance(found, list):
        found = [found]
    out = []
    for ref in found:
        if isinstance(ref, Mapping):
            url, title = str(ref.get("url", "")), str(ref.get("title", "") or "")
            out.append(f"{url} ({title})" if title else url)
        else:
            out.append(str(ref))
    return "\n".join(out)


# --- cells the database formats ----------------------------------------------------------------

_FIELD = re.compile(r"\{(\d+)\}")


class _Sql(Func):
    """A cell's text computed by the database: `{0}`, `{1}`, ... in `template` stand for
    the fields' SQL.  A mapping is a template per vendor (azldrift runs on SQLite and
    PostgreSQL).  Never NULL: an empty cell is ''."""

    output_field = TextField()

    def __init__(self, template: str | Mapping[str, str], *fields: Any) -> None:
        super().__init__(*fields)
        self.sql_template = template

    def as_sql(self, compiler, connection, **extra_context):
        template = self.sql_template
        if not isinstance(template, str):
            template = template[connection.vendor]
        compiled = [compiler.compile(field) for field in self.get_source_expressions()]
        params: list[Any] = []

        def field_sql(match: re.Match) -> str:
            sql, field_params = compiled[int(match[1])]
            params.extend(field_params)  # in the order the SQL uses them
            return sql

        return _FIELD.sub(field_sql, template), params


def _text(field: str) -> _Sql:
    return _Sql("COALESCE({0}, '')", field)


def _number(field: str) -> _Sql:
    return _Sql("COALESCE(CAST({0} AS TEXT), '')", field)


def _flag(field: str) -> _Sql:
    return _Sql("CASE WHEN {0} THEN 'true' ELSE 'false' END", field)


def _person(name: str, email: str) -> _Sql:
    """`Name <email>`, or the name alone without an email."""
    return _Sql(
        "CASE WHEN {1} <> '' THEN {0} || ' <' || {1} || '>' ELSE COALESCE({0}, '') END", name, email
    )


def _lines(start: str, end: str) -> _Sql:
    """`12-18`, `12` for one line (or no end), '' for none."""
    return _Sql(
        "CASE WHEN {0} = 0 THEN '' WHEN {1} = 0 OR {1} = {0} THEN CAST({0} AS TEXT) "
        "ELSE CAST({0} AS TEXT) || '-' || CAST({1} AS TEXT) END",
        start,
        end,
    )


_UTC = "{0} AT TIME ZONE 'UTC'"
_ISO_PG = '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\''
_ISO_PG_SECONDS = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''


def _iso(field: str, microseconds: bool = False) -> _Sql:
    """`iso()` in SQL; with `microseconds`, always six digits of them (the audit hash's form).

    SQLite: Django stores times as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", with
    microseconds exactly when there are any, so the ISO form is a replacement.
    """
    if microseconds:
        sqlite = (
            "COALESCE(REPLACE({0}, ' ', 'T') || CASE WHEN INSTR({0}, '.') > 0 THEN 'Z' "
            "ELSE '.000000Z' END, '')"
        )
        postgresql = f"COALESCE(TO_CHAR({_UTC}, {_ISO_PG}), '')"
    else:
        sqlite = "COALESCE(REPLACE({0}, ' ', 'T') || 'Z', '')"
        postgresql = (
            f"COALESCE(TO_CHAR({_UTC}, CASE WHEN DATE_TRUNC('second', {{0}}) = {{0}} "
            f"THEN {_ISO_PG_SECONDS} ELSE {_ISO_PG} END), '')"
        )
    return _Sql({"sqlite": sqlite, "postgresql": postgresql}, field)


def _json_text(field: str) -> _Sql:
    """A JSON column as its text (decoded in Python only where a cell needs it); NULL stays."""
    return _Sql("CAST({0} AS TEXT)", field)


# --- layouts: a dataset's columns, and how one row becomes a line ----------------------------

PY = None  # a column the dataset's Python fills (`Dataset.cells`)
# Between the database-formatted cells of a row: the ASCII unit separator, and before
# the first cell of each later run of them (the cells between two Python ones) also
# the record separator.
SEP, RUN = "\x1f", "\x1e"
# A cell after the first that a spreadsheet would run as a formula.
_FORMULA_START = re.compile(f"{SEP}{RUN}?[-=+@\t']")


class Layout:
    """A dataset's columns in order, each `(name, SQL text expression)` or `(name, PY)`.

    The database joins the SQL cells of a row into one text (`text`); `line()`
    makes the row's line from it and the row's Python cells.
    """

    def __init__(self, *columns: tuple[str, _Sql | None]) -> None:
        self.columns = tuple(name for name, _ in columns)
        self.sql = tuple(expr for _, expr in columns if expr is not PY)
        self.runs: list[int] = []  # how many SQL cells each run has
        parts, marked = [], []
        for _, expr in columns:
            if expr is PY:
                parts.append(None)
                continue
            if parts and parts[-1] is not None:
                self.runs[-1] += 1
            else:
                parts.append(len(self.runs))
                self.runs.append(1)
                if len(self.runs) > 1:
                    expr = _Sql(f"'{RUN}' || {{0}}", expr)
            marked.append(expr)
        py = iter(range(len(self.runs), len(columns)))
        self.template = ",".join(f"{{{next(py) if i is None else i}}}" for i in parts) + "\r\n"
        self.text = Func(
            *marked,
            template="(%(expressions)s)",
            arg_joiner=f" || '{SEP}' || ",
            output_field=TextField(),
        )
        self.header = ",".join(map(_cell, self.columns)) + "\r\n"
        self._separators = len(self.sql) - 1

    def split(self, text: str) -> list[str] | None:
        """The row's runs of SQL cells as CSV text; None if a cell holds a separator itself."""
        if not (
            '"' in text
            or "," in text
            or "\n" in text
            or "\r" in text
            or text[:1] in _NEUTRALISE
            or _FORMULA_START.search(text)
            or text.count(SEP) != self._separators
            or text.count(RUN) != len(self.runs) - 1
        ):
            return text.replace(SEP, ",").split("," + RUN)
        # Some cell needs quoting or neutralising: cell by cell.
        runs = [run.split(SEP) for run in text.split(SEP + RUN)]
        if [len(run) for run in runs] != self.runs:
            return None
        return [",".join(map(_cell, run)) for run in runs]

    def cells(self, raw: Iterable[str]) -> list[str]:
        """The runs from the SQL cells one by one (`split`'s way out)."""
        cells = iter(raw)
        return [",".join(_cell(next(cells)) for _ in range(n)) for n in self.runs]


# --- datasets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    filterset: type[df.FilterSet]
    base: Callable[[], QuerySet]  # the list page's query function
    layout: Layout
    values: tuple[Any, ...]  # read per row for `cells`, after pk and the layout's text
    # One chunk of rows (pk, text, *values) -> each row's Python cells, as CSV fields.
    cells: Callable[[list[tuple]], Iterable[tuple[str, ...]]]
    # The list page's own ordering step after its FilterSet, if it has one.
    order: Callable[[QuerySet, str | None], QuerySet] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.layout.columns


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _among(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: SQL and its parameters.  PostgreSQL takes the ids as one
    array parameter -- psycopg parses a query's placeholders in Python, and 2,000 of
    them cost more than the query; SQLite has no arrays but binds cheaply."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    # Hand-written SQL (names from the models, values bound): building a 2,000-value
    # IN lookup through the ORM costs more than the query itself, once per chunk.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
)
DEVIATION_COLUMNS = _DEVIATIONS.columns

_DEVIATION_VALUES = (
    _json_text("current_version__content"),
    "description",
    "current_version__comment",
    "current_version__reason",
    _json_text("current_version__metadata"),
    "obsolete_reason",
)
_NO_REVIEW = ("", "", "", "")
_NO_REFERENCES = ("", "")


def _last_reviews(ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    """deviation id -> the cells (reviewer, decided at, decision, comment) of its last decision."""
    review, user = _table(Review), _table(get_user_model())
    among, params = _among("r.deviation_id", ids)
    rows = _fetch(
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


def _notes(ids: list[int]) -> dict[int, str]:
    """deviation id -> the cell of its notes' latest texts, oldest note first, each with
    author and time."""
    version, note, user = _table(NoteVersion), _table(JustificationNote), _table(get_user_model())
    among, params = _among("n.deviation_id", ids)
    rows = _fetch(
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


def _deviation_cells(chunk: list[tuple]) -> Iterator[tuple[str, ...]]:
    ids = [row[0] for row in chunk]
    reviews, notes = _last_reviews(ids), _notes(ids)
    for pk, _, content, description, comment, reason, metadata, obsolete_reason in chunk:
        yield (
            _parameters(content),
            _cell(description),
            notes.get(pk, ""),
            _cell(comment),
            _cell(reason),
            *_references(metadata),
            *reviews.get(pk, _NO_REVIEW),
            _cell(obsolete_reason),
        )


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
)
COMPONENT_COLUMNS = _COMPONENTS.columns

_OPEN = ("needs-review", "stale")


def _component_cells(chunk: list[tuple]) -> Iterator[tuple[str, ...]]:
    ids = [row[0] for row in chunk]
    kinds: dict[int, dict[str, int]] = {}
    states: dict[int, dict[str, int]] = {}
    among, params = _among("component_id", ids)
    counted = _fetch(
        f"SELECT component_id, kind, review_state, COUNT(*) FROM {_table(Deviation)} "  # noqa: S608
        f"WHERE {among} AND removed = %s "
        f"GROUP BY component_id, kind, review_state",
        [*params, False],
    )
    for pk, kind, state, n in counted:
        by_kind = kinds.setdefault(pk, {})
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_state = states.setdefault(pk, {})
        by_state[state] = by_state.get(state, 0) + n
    for pk, _, error in chunk:
        by_state = states.get(pk, {})
        yield (
            _cell("; ".join(f"{kind} {n}" for kind, n in sorted(kinds.get(pk, {}).items()))),
            str(sum(by_state.get(state, 0) for state in _OPEN)),
            str(by_state.get("approved", 0)),
            _cell(error),
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


def _audit_cells(chunk: list[tuple]) -> Iterator[tuple[str, ...]]:
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


def _review_cells(chunk: list[tuple]) -> Iterator[tuple[str, ...]]:
    for _, _, description, comment in chunk:
        yield _cell(description), _cell(comment)


DATASETS: dict[str, Dataset] = {
    "deviations": Dataset(
        "deviations",
        "Deviations",
        DeviationFilter,
        queries.deviation_rows,
        _DEVIATIONS,
        _DEVIATION_VALUES,
        _deviation_cells,
    ),
    "components": Dataset(
        "components",
        "Components with their drift",
        ComponentFilter,
        queries.component_rows,
        _COMPONENTS,
        ("sync__error",),
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
}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise ExportError(f"unknown export {name!r}; one of: {known}") from None


# --- selecting rows: the list page's FilterSet -------------------------------------------------


@dataclass
class Selection:
    """The rows of one export: the filtered queryset and the filters that chose them."""

    dataset: Dataset
    queryset: QuerySet
    filters: dict[str, str]


def select(name: str, params: Mapping[str, Any]) -> Selection:
    """The rows the list page would show for `params` (its query string), in its order.

    Raises ExportError naming each invalid filter (unknown parameters are
    ignored, as on the page).
    """
    ds = dataset(name)
    filterset = ds.filterset(params, queryset=ds.base())
    if not filterset.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in filterset.errors.items()}
        shown = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in errors.items())
        raise ExportError(f"invalid filter for the {name} export: {shown}", errors)
    used = {key: str(params.get(key)) for key in filterset.filters if params.get(key)}
    rows = filterset.qs
    if ds.order is not None:
        rows = ds.order(rows, params.get("sort"))
    return Selection(ds, rows, used)


def filename(name: str, now: dt.datetime | None = None) -> str:
    """`azldrift-<dataset>-<YYYY-MM-DD>.csv` (the export date in UTC)."""
    day = (now or timezone.now()).astimezone(dt.UTC).date()
    return f"azldrift-{name}-{day.isoformat()}.csv"


# --- writing -------------------------------------------------------------------------------------


@contextmanager
def _snapshot():
    """One consistent read of everything the export touches (see the module docstring)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        yield


@dataclass
class Progress:
    rows: int = 0
    complete: bool = False


def csv_chunks(selection: Selection, progress: Progress, chunk_size: int = CHUNK) -> Iterator[str]:
    """The CSV text in pieces of about `chunk_size` rows; `progress.rows` counts data rows."""
    ds = selection.dataset
    layout = ds.layout
    yield layout.header
    with _snapshot():
        for chunk in _chunks(selection.queryset, ("pk", layout.text, *ds.values), chunk_size):
            lines = []
            for row, cells in zip(chunk, ds.cells(chunk), strict=True):
                runs = layout.split(row[1])
                if runs is None:  # a cell holds a separator character: read it cell by cell
                    runs = layout.cells(_sql_cells(selection, row[0]))
                lines.append(layout.template.format(*runs, *cells))
            progress.rows += len(chunk)
            yield "".join(lines)
    progress.complete = True


def _sql_cells(selection: Selection, pk: Any) -> tuple[str, ...]:
    """One row's SQL cells as separate values (in the export's snapshot)."""
    rows = selection.queryset.order_by().filter(pk=pk)
    return rows.values_list(*selection.dataset.layout.sql).get()


def _chunks(queryset: QuerySet, values: tuple[Any, ...], size: int) -> Iterator[list[tuple]]:
    """The queryset's rows as the driver returns them, `size` at a time.

    The SQL is the one Django compiles for `queryset.values_list(*values)` --
    the FilterSet's filters and order, exactly -- run on a chunked cursor
    (server-side on PostgreSQL), without the ORM's per-row conversions.
    """
    rows = queryset.prefetch_related(None).values_list(*values)
    compiler = rows.query.get_compiler(using=rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    width = len(values)
    with connections[rows.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            if len(chunk[0]) != width:  # columns the ORDER BY needed, after ours
                chunk = [row[:width] for row in chunk]
            yield chunk


def _record(actor: audit.Actor, selection: Selection, name: str, progress: Progress) -> None:
    with transaction.atomic():
        audit.record(
            actor,
            f"export.{selection.dataset.name}",
            object_type="export",
            object_id=selection.dataset.name,
            object_repr=f"{selection.dataset.title} CSV ({progress.rows} rows)",
            after={
                "dataset": selection.dataset.name,
                "format": "csv",
                "file": name,
                "filters": selection.filters,
                "rows": progress.rows,
                "complete": progress.complete,
            },
        )


def stream(
    actor: audit.Actor,
    selection: Selection,
    name: str,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The export as UTF-8 bytes; records its audit event when the stream ends, however."""
    progress = progress or Progress()
    # closing(): the read snapshot must end before the event is written, also when the
    # client goes away mid-download (GeneratorExit here leaves the inner generator open).
    try:
        with closing(csv_chunks(selection, progress, chunk_size)) as chunks:
            for text in chunks:
                yield text.encode()
    finally:
        _record(actor, selection, name, progress)


def response(actor: audit.Actor, name: str, params: Mapping[str, Any]) -> StreamingHttpResponse:
    """A streamed download of export `name` filtered by `params` (raises ExportError)."""
    selection = select(name, params)
    file = filename(name)
    out = StreamingHttpResponse(
        stream(actor, selection, file), content_type="text/csv; charset=utf-8; header=present"
    )
    out["Content-Disposition"] = f'attachment; filename="{file}"'
    out["Cache-Control"] = "no-store"
    out["X-Content-Type-Options"] = "nosniff"
    return out


def write(actor: audit.Actor, name: str, params: Mapping[str, Any], out: Any) -> int:
    """Write export `name` to the binary file `out`; the number of data rows."""
    selection = select(name, params)
    progress = Progress()
    file = getattr(out, "name", "") or filename(name)
    with closing(stream(actor, selection, file, progress=progress)) as pieces:
        for data in pieces:
            out.write(data)
    return progress.rows


# --- checking an audit export --------------------------------------------------------------------


@dataclass
class AuditCheck:
    ok: bool
    checked: int
    problem: str = ""
    head_seq: int = 0
    head_hash: str = audit.GENESIS_HASH


def _event_from_row(raw: list[str]) -> AuditEvent:
    """An (unsaved) event from an audit export's row, its cells un-neutralised."""
    cells = dict(zip(AUDIT_COLUMNS, (unneutralise(cell) for cell in raw), strict=True))
    return AuditEvent(
        seq=int(cells["seq"]),
        created_at=dt.datetime.fromisoformat(cells["created_at"]),
        actor_id=int(cells["actor_id"]) if cells["actor_id"] else None,
        actor_label=cells["actor"],
        origin=cells["origin"],
        action=cells["action"],
        object_type=cells["object_type"],
        object_id=cells["object_id"],
        object_repr=cells["object_repr"],
        component_name=cells["component"],
        before=json.loads(cells["before"]) if cells["before"] else None,
        after=json.loads(cells["after"]) if cells["after"] else None,
        prev_hash=cells["prev_hash"],
        hash=cells["hash"],
    )


def check_audit_csv(lines: Iterable[str]) -> AuditCheck:
    """Recompute every event's hash from an audit export and check the chain links.

    A complete export (no filters) must chain from the genesis hash; a
    filtered one is checked row by row and wherever consecutive events are
    both present.  Compare `head_hash` with `manage.py verify_audit`'s head.
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != AUDIT_COLUMNS:
        return AuditCheck(False, 0, "not an azldrift audit export (unexpected header)")
    events: list[tuple[int, AuditEvent]] = []
    for line, raw in enumerate(reader, start=2):
        try:
            event = _event_from_row(raw)
        except (ValueError, TypeError) as error:
            return AuditCheck(False, len(events), f"row {line} is not an audit event: {error}")
        events.append((event.seq, event))
    events.sort(key=lambda item: item[0])
    previous: AuditEvent | None = None
    for seq, event in events:
        if audit.event_hash(event) != event.hash:
            return AuditCheck(False, len(events), f"event #{seq} does not match its hash")
        if seq == 1 and event.prev_hash != audit.GENESIS_HASH:
            return AuditCheck(False, len(events), "event #1 does not start the chain")
        if previous is not None and previous.seq == seq - 1 and event.prev_hash != previous.hash:
            return AuditCheck(False, len(events), f"event #{seq} does not follow #{seq - 1}")
        previous = event
    if previous is None:
        return AuditCheck(True, 0)
    return AuditCheck(True, len(events), head_seq=previous.seq, head_hash=previous.hash)

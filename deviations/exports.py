"""CSV exports of the record: deviations, components with their drift, the audit log, reviews.

An export selects its rows with the SAME FilterSet and query function as the
list page it comes from (deviations.filters, deviations.queries), so a
filtered page, its API list and its CSV agree by construction.  The
download views (deviations.views.exports, deviations.api.exports) and
`manage.py export` all come through `stream()`.

The file: RFC 4180 (comma, double quotes, CRLF), UTF-8 without a byte-order
mark, one header row, a fixed column order per dataset (`DATASETS[..].columns`,
documented in the README; columns are only ever added at the end), times in
ISO 8601 UTC (`2026-01-23T12:00:00Z`, microseconds only when there are any).

Formula neutralisation (OWASP "CSV injection"): a text cell starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet shows it as text instead of running it.  A text cell that
already starts with `'` gets one too, which makes the rule reversible:
`unneutralise()` drops exactly one leading `'` (how `check_audit_csv`
recomputes the audit hashes from an export).

Streaming: rows are read CHUNK at a time from a chunked cursor (server-side
on PostgreSQL) running the SQL Django compiles for the FilterSet's queryset
(`values_list`, no model instances, no per-row ORM conversions); what a row
needs from other tables (last review, notes, deviation kinds) is fetched per
chunk with one query each, so memory stays flat however many rows there are.  The rows are
read in one snapshot: a REPEATABLE READ, READ ONLY transaction on PostgreSQL;
on SQLite the open read statement holds the connection's snapshot for every
query made while it runs.

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
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import django_filters as df
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import QuerySet
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


@lru_cache(maxsize=4096)  # commit and decision times repeat across many rows
def when(value: dt.datetime | str | None) -> str:
    """`iso()` of a datetime as the database driver returns it: an aware datetime
    (PostgreSQL) or Django's text form "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (SQLite)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value.replace(" ", "T", 1) + "Z"
    return iso(value)


def _loaded(value: Any) -> Any:
    """A JSON column as the driver returns it (text, or already decoded)."""
    return json.loads(value) if value.__class__ is str else value


def _json(value: Any) -> str:
    """Compact JSON with sorted keys, non-ASCII kept (the audit chain's canonical form)."""
    return "" if value is None else _compact(value)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _lines(start: int, end: int) -> str:
    if not start:
        return ""
    return str(start) if end in (0, start) else f"{start}-{end}"


def _person(name: str | None, email: str | None) -> str:
    if not name and not email:
        return ""
    return f"{name} <{email}>" if email else (name or "")


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


# --- datasets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    filterset: type[df.FilterSet]
    base: Callable[[], QuerySet]  # the list page's query function
    columns: tuple[str, ...]
    fields: tuple[str, ...]  # values_list() fields read per row
    rows: Callable[[list[tuple]], Iterable[list[Any]]]  # one chunk of tuples -> cells
    # The list page's own ordering step after its FilterSet, if it has one.
    order: Callable[[QuerySet, str | None], QuerySet] | None = None


# Deviations ---------------------------------------------------------------------------------

DEVIATION_COLUMNS = (
    "component",
    "deviation_id",
    "key",
    "kind",
    "overlay_type",
    "parameters",
    "category",
    "upstream_status",
    "description",
    "justification_notes",
    "toml_comment",
    "reason",
    "reference_commits",
    "reference_bugs",
    "config_file",
    "config_lines",
    "introduced_commit",
    "introduced_author",
    "introduced_at",
    "changed_commit",
    "changed_author",
    "changed_at",
    "review_state",
    "reviewed_by",
    "reviewed_at",
    "review_decision",
    "review_comment",
    "fingerprint",
    "version",
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "verdict_at_pin",
    "verdict_at_tip",
    "obsolete",
    "obsolete_reason",
    "removed",
)

_DEVIATION_FIELDS = (
    "pk",
    "component__name",
    "key",
    "kind",
    "overlay_type",
    "current_version__content",
    "category",
    "upstream_status",
    "description",
    "current_version__comment",
    "current_version__reason",
    "current_version__metadata",
    "config_file",
    "line_start",
    "line_end",
    "introduced_commit__sha",
    "introduced_commit__author_name",
    "introduced_commit__author_email",
    "introduced_commit__authored_at",
    "changed_commit__sha",
    "changed_commit__author_name",
    "changed_commit__author_email",
    "changed_commit__authored_at",
    "review_state",
    "fingerprint",
    "current_version__number",
    "component__sync__pinned_commit",
    "component__sync__tip_commit",
    "component__sync__commits_behind",
    "verdict_at_pin",
    "verdict_at_tip",
    "obsolete",
    "obsolete_reason",
    "removed",
)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    # Hand-written SQL (names from the models, values bound): building a 2,000-value
    # IN lookup through the ORM costs more than the query itself, once per chunk.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _last_reviews(ids: list[int]) -> dict[int, tuple]:
    """deviation id -> (reviewer, decided at, decision, comment) of its latest decision."""
    review, user = _table(Review), _table(get_user_model())
    rows = _fetch(
        f"SELECT r.deviation_id, u.username, r.created_at, r.decision, r.comment "  # noqa: S608
        f"FROM {review} r JOIN {user} u ON u.id = r.reviewer_id "
        f"WHERE r.deviation_id IN ({_in(ids)}) "
        f"ORDER BY r.deviation_id, r.created_at DESC, r.id DESC",
        ids,
    )
    latest: dict[int, tuple] = {}
    for pk, *rest in rows:
        latest.setdefault(pk, tuple(rest))
    return latest


def _notes(ids: list[int]) -> dict[int, str]:
    """deviation id -> its notes' latest texts, oldest note first, each with author and time."""
    version, note, user = _table(NoteVersion), _table(JustificationNote), _table(get_user_model())
    rows = _fetch(
        f"SELECT n.deviation_id, v.note_id, v.number, v.text, u.username, v.created_at "  # noqa: S608
        f"FROM {version} v JOIN {note} n ON n.id = v.note_id JOIN {user} u ON u.id = v.author_id "
        f"WHERE n.deviation_id IN ({_in(ids)}) "
        f"ORDER BY n.deviation_id, n.created_at, v.note_id, v.number DESC",
        ids,
    )
    latest: dict[int, dict[int, str]] = {}
    for pk, note_id, number, text, author, at in rows:
        notes = latest.setdefault(pk, {})
        if note_id not in notes:
            notes[note_id] = f"[note {note_id} v{number}, {author}, {when(at)}] {text}"
    return {pk: "\n\n".join(notes.values()) for pk, notes in latest.items()}


@lru_cache(maxsize=4096)  # many deviations share their content (build options, pins)
def _parameters_text(text: str) -> str:
    content = json.loads(text)
    if isinstance(content, dict):
        content = {k: v for k, v in content.items() if k != "type"}
    return _json(content) if content else ""


def _parameters(content: Any) -> str:
    """The deviation's fields as compact JSON, less the overlay `type` (its own column)."""
    if content is None:
        return ""
    if content.__class__ is not str:
        content = json.dumps(content)
    return _parameters_text(content)


def _deviation_rows(chunk: list[tuple]) -> Iterator[list[Any]]:
    ids = [row[0] for row in chunk]
    reviews, notes = _last_reviews(ids), _notes(ids)
    for (
        pk,
        component,
        key,
        kind,
        overlay_type,
        content,
        category,
        upstream_status,
        description,
        comment,
        reason,
        metadata,
        config_file,
        line_start,
        line_end,
        intro_sha,
        intro_name,
        intro_email,
        intro_at,
        changed_sha,
        changed_name,
        changed_email,
        changed_at,
        review_state,
        fingerprint,
        version,
        pinned,
        tip,
        behind,
        verdict_pin,
        verdict_tip,
        obsolete,
        obsolete_reason,
        removed,
    ) in chunk:
        # Most metadata has no references: skip decoding it then (a third of the row's cost).
        if metadata.__class__ is str and '"commits"' not in metadata and '"bugs"' not in metadata:
            metadata = None
        else:
            metadata = _loaded(metadata)
        reviewer, reviewed_at, decision, review_comment = reviews.get(pk, ("", None, "", ""))
        yield [
            component,
            pk,
            key,
            kind,
            overlay_type,
            _parameters(content),
            category,
            upstream_status,
            description,
            notes.get(pk, ""),
            comment,
            reason,
            _refs(metadata, "commits"),
            _refs(metadata, "bugs"),
            config_file,
            _lines(line_start, line_end),
            intro_sha or "",
            _person(intro_name, intro_email),
            when(intro_at),
            changed_sha or "",
            _person(changed_name, changed_email),
            when(changed_at),
            review_state,
            reviewer,
            when(reviewed_at),
            decision,
            review_comment,
            fingerprint,
            _num(version),
            pinned or "",
            tip or "",
            _num(behind),
            verdict_pin,
            verdict_tip,
            _bool(obsolete),
            obsolete_reason,
            _bool(removed),
        ]


# Components ---------------------------------------------------------------------------------

COMPONENT_COLUMNS = (
    "component",
    "spec_type",
    "distro",
    "distro_version",
    "upstream_name",
    "dist_git_url",
    "dist_git_branch",
    "snapshot",
    "config_pin",
    "local_spec",
    "config_file",
    "config_line",
    "deviations",
    "deviation_kinds",
    "needs_review",
    "approved",
    "pinned_commit",
    "pinned_at",
    "tip_commit",
    "tip_at",
    "commits_behind",
    "version_at_pin",
    "release_at_pin",
    "version_at_tip",
    "release_at_tip",
    "failing_at_pin",
    "failing_at_tip",
    "noop_at_tip",
    "obsolete_candidates",
    "sync_error_kind",
    "sync_error",
    "synced_at",
    "removed",
)

_COMPONENT_FIELDS = (
    "pk",
    "name",
    "spec_type",
    "distro",
    "distro_version",
    "upstream_name",
    "dist_git_url",
    "dist_git_branch",
    "snapshot",
    "upstream_commit",
    "local_spec_path",
    "config_file",
    "config_line",
    "deviation_count",
    "sync__pinned_commit",
    "sync__pinned_at",
    "sync__tip_commit",
    "sync__tip_at",
    "sync__commits_behind",
    "sync__version_at_pin",
    "sync__release_at_pin",
    "sync__version_at_tip",
    "sync__release_at_tip",
    "sync__failing_at_pin",
    "sync__failing_at_tip",
    "sync__noop_at_tip",
    "sync__obsolete_count",
    "sync__error_kind",
    "sync__error",
    "sync__synced_at",
    "removed",
)

_OPEN = ("needs-review", "stale")


def _component_rows(chunk: list[tuple]) -> Iterator[list[Any]]:
    ids = [row[0] for row in chunk]
    kinds: dict[int, dict[str, int]] = {}
    states: dict[int, dict[str, int]] = {}
    counted = _fetch(
        f"SELECT component_id, kind, review_state, COUNT(*) FROM {_table(Deviation)} "  # noqa: S608
        f"WHERE component_id IN ({_in(ids)}) AND removed = %s "
        f"GROUP BY component_id, kind, review_state",
        [*ids, False],
    )
    for pk, kind, state, n in counted:
        by_kind = kinds.setdefault(pk, {})
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_state = states.setdefault(pk, {})
        by_state[state] = by_state.get(state, 0) + n
    for pk, *values in chunk:
        (name, spec_type, distro, distro_version, upstream_name, url, branch, snapshot) = values[:8]
        (config_pin, local_spec, config_file, config_line, count) = values[8:13]
        (pinned, pinned_at, tip, tip_at, behind) = values[13:18]
        (v_pin, r_pin, v_tip, r_tip, fail_pin, fail_tip, noop_tip, obsolete) = values[18:26]
        (error_kind, error, synced_at, removed) = values[26:30]
        by_state = states.get(pk, {})
        yield [
            name,
            spec_type,
            distro,
            distro_version,
            upstream_name,
            url,
            branch,
            snapshot,
            config_pin,
            local_spec,
            config_file,
            _num(config_line),
            _num(count),
            "; ".join(f"{kind} {n}" for kind, n in sorted(kinds.get(pk, {}).items())),
            _num(sum(by_state.get(state, 0) for state in _OPEN)),
            _num(by_state.get("approved", 0)),
            pinned or "",
            when(pinned_at),
            tip or "",
            when(tip_at),
            _num(behind),
            v_pin or "",
            r_pin or "",
            v_tip or "",
            r_tip or "",
            _num(fail_pin),
            _num(fail_tip),
            _num(noop_tip),
            _num(obsolete),
            error_kind or "",
            error or "",
            when(synced_at),
            _bool(removed),
        ]


# Audit log ----------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "actor_id",
    "origin",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "component",
    "before",
    "after",
    "prev_hash",
    "hash",
)

_AUDIT_FIELDS = (
    "seq",
    "created_at",
    "actor_label",
    "actor_id",
    "origin",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "component_name",
    "before",
    "after",
    "prev_hash",
    "hash",
)


def _audit_rows(chunk: list[tuple]) -> Iterator[list[Any]]:
    for (
        seq,
        at,
        label,
        actor_id,
        origin,
        action,
        otype,
        oid,
        orepr,
        comp,
        before,
        after,
        *h,
    ) in chunk:
        # created_at always with microseconds: exactly the text the event's hash covers.
        created = when(at)
        if "." not in created:
            created = created[:-1] + ".000000Z"
        yield [
            seq,
            created,
            label,
            _num(actor_id),
            origin,
            action,
            otype,
            oid,
            orepr,
            comp,
            _json(_loaded(before)),
            _json(_loaded(after)),
            *h,
        ]


# Review history -----------------------------------------------------------------------------

REVIEW_COLUMNS = (
    "review_id",
    "decided_at",
    "component",
    "deviation_id",
    "deviation_key",
    "deviation_description",
    "decision",
    "comment",
    "reviewer",
    "version",
    "fingerprint",
    "effect_hash",
    "review_state_now",
)

_REVIEW_FIELDS = (
    "pk",
    "created_at",
    "deviation__component__name",
    "deviation_id",
    "deviation__key",
    "deviation__description",
    "decision",
    "comment",
    "reviewer__username",
    "version__number",
    "fingerprint",
    "effect_hash",
    "deviation__review_state",
)


def _review_rows(chunk: list[tuple]) -> Iterator[list[Any]]:
    for pk, at, *rest in chunk:
        yield [pk, when(at), *rest]


DATASETS: dict[str, Dataset] = {
    "deviations": Dataset(
        "deviations",
        "Deviations",
        DeviationFilter,
        queries.deviation_rows,
        DEVIATION_COLUMNS,
        _DEVIATION_FIELDS,
        _deviation_rows,
    ),
    "components": Dataset(
        "components",
        "Components with their drift",
        ComponentFilter,
        queries.component_rows,
        COMPONENT_COLUMNS,
        _COMPONENT_FIELDS,
        _component_rows,
    ),
    "audit": Dataset(
        "audit",
        "Audit log",
        AuditEventFilter,
        queries.audit_rows,
        AUDIT_COLUMNS,
        _AUDIT_FIELDS,
        _audit_rows,
    ),
    "queue": Dataset(
        "queue",
        "Review queue",
        DeviationFilter,
        queries.queue_rows,
        DEVIATION_COLUMNS,
        _DEVIATION_FIELDS,
        _deviation_rows,
        queries.queue_order,
    ),
    "reviews": Dataset(
        "reviews",
        "Review history",
        ReviewFilter,
        queries.review_rows,
        REVIEW_COLUMNS,
        _REVIEW_FIELDS,
        _review_rows,
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


def _cells(row: list[Any]) -> list[Any]:
    return [neutralise(v) if v.__class__ is str and v[:1] in _NEUTRALISE else v for v in row]


@dataclass
class Progress:
    rows: int = 0
    complete: bool = False


def csv_chunks(selection: Selection, progress: Progress, chunk_size: int = CHUNK) -> Iterator[str]:
    """The CSV text in pieces of about `chunk_size` rows; `progress.rows` counts data rows."""
    ds = selection.dataset
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ds.columns)
    yield buffer.getvalue()
    with _snapshot():
        for chunk in _chunks(selection.queryset, ds.fields, chunk_size):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(_cells(row) for row in ds.rows(chunk))
            progress.rows += len(chunk)
            yield buffer.getvalue()
    progress.complete = True


def _chunks(queryset: QuerySet, fields: tuple[str, ...], size: int) -> Iterator[list[tuple]]:
    """The queryset's rows as the driver returns them, `size` at a time.

    The SQL is the one Django compiles for `queryset.values_list(*fields)` --
    the FilterSet's filters and order, exactly -- run on a chunked cursor
    (server-side on PostgreSQL).  Skipping the ORM's per-row conversions
    halves the time of a large export; the row functions convert the few
    columns that need it (`when`, `_loaded`).
    """
    values = queryset.prefetch_related(None).values_list(*fields)
    compiler = values.query.get_compiler(using=values.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    width = len(fields)
    with connections[values.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            if len(rows[0]) != width:  # columns the ORDER BY needed, after ours
                rows = [row[:width] for row in rows]
            yield rows


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
    actor: audit.Actor, selection: Selection, name: str, chunk_size: int = CHUNK
) -> Iterator[bytes]:
    """The export as UTF-8 bytes; records its audit event when the stream ends, however."""
    progress = Progress()
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
    try:
        with closing(csv_chunks(selection, progress)) as chunks:
            for text in chunks:
                out.write(text.encode())
    finally:
        _record(actor, selection, getattr(out, "name", "") or filename(name), progress)
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

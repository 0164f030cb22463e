"""Selecting an export's rows, streaming them as CSV in one snapshot, and its audit event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from psycopg import IsolationLevel
from psycopg.sql import SQL

from deviations.domain import audit
from deviations.reads.exports.cells import ExportError, _cell
from deviations.reads.exports.datasets import Dataset, Extra, dataset
from deviations.reads.exports.past import past_lines
from deviations.vocabulary import AuditAction

CHUNK = 2000
# `?bom=1`: the file starts with UTF-8's byte-order mark, which spreadsheet programs
# (Excel) need to read it as UTF-8 rather than the system's code page.
BOM = b"\xef\xbb\xbf"
# An export's filters: a query string (pages, API) or the command's options.
Params = QueryDict | dict[str, Any]


class BinaryOut(Protocol):
    """Where `write` puts an export (a binary file; its `name`, if any, is recorded)."""

    def write(self, data: bytes, /) -> int: ...


@dataclass
class Selection:
    """The rows of one export: the filtered queryset and the filters that chose them."""

    dataset: Dataset
    queryset: QuerySet
    filters: dict[str, str]
    # With `as_of`: the file's lines (header first), the record as it stood then.
    past: list[str] | None = None
    extras: tuple[Extra, ...] = ()  # opt-in columns after the dataset's own (`columns=`)
    bom: bool = False


def select(name: str, params: Params) -> Selection:
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
    extras = _extras(ds, str(params.get("columns") or ""))
    bom = str(params.get("bom") or "") == "1"
    as_of = str(params.get("as_of") or "").strip()
    if as_of:
        if extras:
            raise ExportError("columns= is for today's record, not with as_of")
        used["as_of"] = as_of
        return Selection(ds, ds.base().none(), used, past_lines(name, as_of, params), bom=bom)
    if extras:
        used["columns"] = ",".join(extra.column for extra in extras)
    rows = filterset.qs
    if ds.order is not None:
        rows = ds.order(rows, params.get("sort"))
    return Selection(ds, rows, used, extras=extras, bom=bom)


def _extras(ds: Dataset, asked: str) -> tuple[Extra, ...]:
    """The opt-in columns `columns=a,b` names, in the dataset's order (ExportError for others)."""
    names = {part.strip() for part in asked.split(",") if part.strip()}
    known = ds.extras or {}
    unknown = sorted(names - known.keys())
    if unknown:
        offered = ", ".join(known) or "none"
        raise ExportError(
            f"unknown column {', '.join(unknown)} for the {ds.name} export; offered: {offered}",
            {"columns": [f"one of: {offered}"]},
        )
    return tuple(extra for key, extra in known.items() if key in names)


_UNSAFE = re.compile(r"[^A-Za-z0-9._]+")
_NAME_PART = 40  # characters of one filter's value in a file name
_NAME_FILTERS = 120  # characters of all of them


def filename(
    name: str, now: dt.datetime | None = None, filters: dict[str, str] | None = None
) -> str:
    """`azldrift-<dataset>[-<filter>-<value>...]-<YYYY-MM-DD>.csv` (the export date in UTC):
    the filters that chose the rows, as safe characters (letters, digits, '.', '_', '-')
    and not too long, so two exports of one list tell apart by name."""
    day = (now or timezone.now()).astimezone(dt.UTC).date()
    parts: list[str] = []
    for key, value in (filters or {}).items():
        safe = _UNSAFE.sub("-", value).strip("-.")[:_NAME_PART].strip("-.")
        if safe:
            parts.append(f"{key}-{safe}")
    described = "-".join(parts)[:_NAME_FILTERS].strip("-.")
    middle = f"-{described}" if described else ""
    return f"azldrift-{name}{middle}-{day.isoformat()}.csv"


# --- writing -------------------------------------------------------------------------------------


class _Reader:
    """Where an export's queries run: its rows, the per-chunk reads of the datasets
    (`fetch`), and the odd single row read again cell by cell.

    This one runs everything on the Django connection, rows from a chunked cursor
    (server-side on PostgreSQL): SQLite, where the open read statement holds the
    snapshot for every query made while it runs, and a caller's own transaction (a
    test, a shell), which is the snapshot then.
    """

    def __init__(self, alias: str) -> None:
        self.db = connections[alias]

    def rows(self, sql: str, params: Any, size: int) -> Iterator[list[tuple]]:
        with self.db.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(size):
                yield chunk

    def fetch(self, sql: str, params: list[Any]) -> list[tuple]:
        with self.db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class _SharedSnapshot(_Reader):
    """PostgreSQL: the rows streamed on the Django connection, the other reads on a second
    connection that shares its snapshot (`pg_export_snapshot()`, as pg_dump's parallel
    workers do).

    A server-side cursor makes the server wait for each FETCH, so its work and Python's
    took turns; streamed (libpq's chunked rows mode) the server goes on producing rows
    while Python formats the last ones, and the other reads no longer need the busy
    connection.  Both transactions are REPEATABLE READ, READ ONLY on one snapshot, so
    everything the export reads is still one consistent state.
    """

    def __init__(self, alias: str, side: Any) -> None:
        super().__init__(alias)
        self.side = side

    def rows(self, sql: str, params: Any, size: int) -> Iterator[list[tuple]]:
        cursor = self.db.connection.cursor()
        try:
            rows = cursor.stream(sql, params, size=size)
            while chunk := list(islice(rows, size)):
                yield chunk
        finally:
            cursor.close()  # stopped early: psycopg ends the query, the connection is free

    def fetch(self, sql: str, params: list[Any]) -> list[tuple]:
        with self.side.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@contextmanager
def _snapshot(alias: str) -> Iterator[_Reader]:
    """One consistent read of everything the export touches (see the module docstring)."""
    db = connections[alias]
    if db.vendor != "postgresql" or db.in_atomic_block:
        yield _Reader(alias)
        return
    with transaction.atomic(using=alias):
        with db.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        # A connection of its own, set up as Django sets up its connections (time zone).
        side = db.get_new_connection(db.get_connection_params())
        try:
            side.isolation_level = IsolationLevel.REPEATABLE_READ
            side.read_only = True
            side.execute(SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot))
            yield _SharedSnapshot(alias, side)
        finally:
            side.close()


@dataclass
class Progress:
    rows: int = 0
    complete: bool = False


def csv_chunks(selection: Selection, progress: Progress, chunk_size: int = CHUNK) -> Generator[str]:
    """The CSV text in pieces of about `chunk_size` rows; `progress.rows` counts data rows."""
    if selection.past is not None:
        yield selection.past[0]
        for start in range(1, len(selection.past), chunk_size):
            piece = selection.past[start : start + chunk_size]
            progress.rows += len(piece)
            yield "".join(piece)
        progress.complete = True
        return
    ds = selection.dataset
    layout = ds.layout
    extras = selection.extras
    if extras:
        yield layout.header[:-2] + "".join("," + _cell(e.column) for e in extras) + "\r\n"
    else:
        yield layout.header
    with _snapshot(selection.queryset.db) as reader:
        values = ("pk", layout.text, *ds.values)
        for chunk in _chunks(reader, selection.queryset, values, chunk_size):
            lines = []
            added = [extra.cells([row[0] for row in chunk], reader.fetch) for extra in extras]
            for row, cells in zip(chunk, ds.cells(chunk, reader.fetch), strict=True):
                runs = layout.split(row[1])
                if runs is None:  # a cell holds a separator character: read it cell by cell
                    runs = layout.cells(_sql_cells(reader, selection, row[0]))
                line = layout.template.format(*runs, *cells)
                if added:  # the opt-in cells before the line's CRLF
                    line = line[:-2] + "".join("," + more.get(row[0], "") for more in added)
                    line += "\r\n"
                lines.append(line)
            progress.rows += len(chunk)
            yield "".join(lines)
    progress.complete = True


def _sql(queryset: QuerySet, values: tuple[Any, ...]) -> tuple[str, Any] | None:
    """The SQL Django compiles for `queryset.values_list(*values)`, None if it selects nothing."""
    rows = queryset.prefetch_related(None).values_list(*values)
    try:
        return rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:
        return None


def _sql_cells(reader: _Reader, selection: Selection, pk: Any) -> tuple[str, ...]:
    """One row's SQL cells as separate values (in the export's snapshot)."""
    compiled = _sql(selection.queryset.order_by().filter(pk=pk), selection.dataset.layout.sql)
    assert compiled is not None  # a row of this very selection
    (row,) = reader.fetch(*compiled)
    return row


def _chunks(
    reader: _Reader, queryset: QuerySet, values: tuple[Any, ...], size: int
) -> Iterator[list[tuple]]:
    """The queryset's rows as the driver returns them, `size` at a time.

    The SQL is the one Django compiles for `queryset.values_list(*values)` --
    the FilterSet's filters and order, exactly -- without the ORM's per-row
    conversions.
    """
    compiled = _sql(queryset, values)
    if compiled is None:
        return
    width = len(values)
    for chunk in reader.rows(*compiled, size):
        if len(chunk[0]) != width:  # columns the ORDER BY needed, after ours
            chunk = [row[:width] for row in chunk]
        yield chunk


def _record(actor: audit.Actor, selection: Selection, name: str, progress: Progress) -> None:
    record_export(
        actor, selection.dataset.name, selection.dataset.title, selection.filters, name, progress
    )


def record_export(
    actor: audit.Actor,
    dataset: str,
    title: str,
    filters: dict[str, str],
    name: str,
    progress: Progress,
) -> None:
    """The `export.<dataset>` event of a download or a file that has ended."""
    with transaction.atomic():
        audit.record(
            actor,
            AuditAction.for_export(dataset),
            object_type="export",
            object_id=dataset,
            object_repr=f"{title} CSV ({progress.rows} rows)",
            after={
                "dataset": dataset,
                "format": "csv",
                "file": name,
                "filters": filters,
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
) -> Generator[bytes]:
    """The export as UTF-8 bytes; records its audit event when the stream ends, however."""
    progress = progress or Progress()
    # closing(): the read snapshot must end before the event is written, also when the
    # client goes away mid-download (GeneratorExit here leaves the inner generator open).
    try:
        if selection.bom:
            yield BOM
        with closing(csv_chunks(selection, progress, chunk_size)) as chunks:
            for text in chunks:
                yield text.encode()
    finally:
        _record(actor, selection, name, progress)


def response(actor: audit.Actor, name: str, params: Params) -> StreamingHttpResponse:
    """A streamed download of export `name` filtered by `params` (raises ExportError)."""
    selection = select(name, params)
    file = filename(name, filters=selection.filters)
    out = StreamingHttpResponse(
        stream(actor, selection, file), content_type="text/csv; charset=utf-8; header=present"
    )
    out["Content-Disposition"] = f'attachment; filename="{file}"'
    out["Cache-Control"] = "private, no-store"
    out["X-Content-Type-Options"] = "nosniff"
    return out


def write(actor: audit.Actor, name: str, params: Params, out: BinaryOut) -> int:
    """Write export `name` to the binary file `out`; the number of data rows."""
    selection = select(name, params)
    progress = Progress()
    file = getattr(out, "name", "") or filename(name, filters=selection.filters)
    with closing(stream(actor, selection, file, progress=progress)) as pieces:
        for data in pieces:
            out.write(data)
    return progress.rows

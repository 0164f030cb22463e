"""CSV exports of the record: deviations, components with their drift, the audit log, reviews.

An export selects its rows with the SAME FilterSet and query function as the
list page it comes from (deviations.reads.filters, deviations.reads.queries), so a
filtered page, its API list and its CSV agree by construction.  The
download views (deviations.web.views.exports, deviations.web.api.exports) and
`manage.py export` all come through `stream()`.

Modules: `cells` (one cell: quoting, neutralising, times, JSON), `sql` (cells the
database formats, a dataset's `Layout`), `datasets` (the four exports), `streaming`
(selection, snapshot, streaming, the audit event), `auditcheck` (an exported audit
log against the hash chain).

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
CHUNK at a time running the SQL Django compiles for the FilterSet's queryset,
with its filters and order.  Python objects per row are what costs, so the
database formats the plain columns itself (text, numbers, ISO times,
`name <email>`, line ranges, booleans) and returns them as ONE text value per
row, the cells separated by control characters; Python checks that text once
(no quote, comma, line break or formula-like cell start: almost always) and
turns the separators into commas, and quotes or neutralises cell by cell only
when it must.  Python formats the rest: JSON (canonical, as the audit chain
hashes it), references, free text, and what a row needs from other tables
(last review, notes, deviation kinds), fetched per chunk with one query each.
Memory stays flat however many rows there are.

One snapshot: on PostgreSQL the rows stream (libpq's chunked rows mode) in a
REPEATABLE READ, READ ONLY transaction, and the per-chunk reads run on a second
connection that imports its snapshot (`pg_export_snapshot()`), so the server
keeps producing rows while Python formats; on SQLite (and inside a caller's
own transaction) everything runs on the one connection, rows from a chunked
cursor, and the open read statement (or that transaction) holds the snapshot.

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

from deviations.reads.exports.auditcheck import AuditCheck, check_audit_csv
from deviations.reads.exports.cells import (
    DANGEROUS_PREFIXES,
    ExportError,
    _refs,
    iso,
    neutralise,
    unneutralise,
    when,
)
from deviations.reads.exports.datasets import (
    AUDIT_COLUMNS,
    COMPONENT_COLUMNS,
    DATASETS,
    DEVIATION_COLUMNS,
    REVIEW_COLUMNS,
    Dataset,
    dataset,
)
from deviations.reads.exports.streaming import (
    CHUNK,
    BinaryOut,
    Params,
    Progress,
    Selection,
    csv_chunks,
    filename,
    response,
    select,
    stream,
    write,
)

__all__ = [
    "AUDIT_COLUMNS",
    "CHUNK",
    "COMPONENT_COLUMNS",
    "DANGEROUS_PREFIXES",
    "DATASETS",
    "DEVIATION_COLUMNS",
    "REVIEW_COLUMNS",
    "AuditCheck",
    "BinaryOut",
    "Dataset",
    "ExportError",
    "Params",
    "Progress",
    "Selection",
    "_refs",
    "check_audit_csv",
    "csv_chunks",
    "dataset",
    "filename",
    "iso",
    "neutralise",
    "response",
    "select",
    "stream",
    "unneutralise",
    "when",
    "write",
]

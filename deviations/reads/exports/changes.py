"""The changes export: what changed in the config between two points, as CSV, audited."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import closing

from django.http import StreamingHttpResponse

from deviations.domain import audit
from deviations.reads.exports.past import change_lines, changes_between
from deviations.reads.exports.streaming import (
    BinaryOut,
    Params,
    Progress,
    filename,
    record_export,
)

NAME, TITLE = "changes", "Changes between two points"


def _stream(
    actor: audit.Actor, lines: list[str], filters: dict[str, str], file: str, progress: Progress
) -> Generator[bytes]:
    try:
        yield lines[0].encode()
        for line in lines[1:]:
            progress.rows += 1
            yield line.encode()
        progress.complete = True
    finally:
        record_export(actor, NAME, TITLE, filters, file, progress)


def _prepare(params: Params) -> tuple[list[str], dict[str, str]]:
    found = changes_between(params)  # ExportError when a point is missing or unknown
    filters = {key: str(params.get(key)) for key in ("from", "to")}
    return list(change_lines(found)), filters


def response(actor: audit.Actor, params: Params) -> StreamingHttpResponse:
    lines, filters = _prepare(params)
    file = filename(NAME)
    out = StreamingHttpResponse(
        _stream(actor, lines, filters, file, Progress()),
        content_type="text/csv; charset=utf-8; header=present",
    )
    out["Content-Disposition"] = f'attachment; filename="{file}"'
    out["Cache-Control"] = "no-store"
    out["X-Content-Type-Options"] = "nosniff"
    return out


def write(actor: audit.Actor, params: Params, out: BinaryOut) -> int:
    lines, filters = _prepare(params)
    progress = Progress()
    file = getattr(out, "name", "") or filename(NAME)
    with closing(_stream(actor, lines, filters, file, progress)) as pieces:
        for data in pieces:
            out.write(data)
    return progress.rows

"""Cells the database formats, and a dataset's Layout: its columns and how a row becomes a line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Func, TextField

from deviations.reads.exports.cells import _NEUTRALISE, _cell

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

_FIELD = re.compile(r"\{(\d+)\}")


class _Sql(Func):
    """A cell's text computed by the database: `{0}`, `{1}`, ... in `template` stand for
    the fields' SQL.  A mapping is a template per vendor (azldrift runs on SQLite and
    PostgreSQL).  Never NULL: an empty cell is ''."""

    output_field = TextField()

    def __init__(self, template: str | Mapping[str, str], *fields: Any) -> None:
        super().__init__(*fields)
        self.sql_template = template

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        # Func's own template arguments do not apply: the SQL is `sql_template`'s.
        sql_template = self.sql_template
        if not isinstance(sql_template, str):
            sql_template = sql_template[connection.vendor]
        compiled = [compiler.compile(field) for field in self.get_source_expressions()]
        params: list[str | int] = []

        def field_sql(match: re.Match[str]) -> str:
            sql, field_params = compiled[int(match[1])]
            params.extend(field_params)  # in the order the SQL uses them
            return sql

        return _FIELD.sub(field_sql, sql_template), tuple(params)


def _text(field: str) -> _Sql:
    return _Sql("COALESCE({0}, '')", field)


def _number(field: str) -> _Sql:
    return _Sql("COALESCE(CAST({0} AS TEXT), '')", field)


def _flag(field: str) -> _Sql:
    return _Sql("CASE WHEN {0} THEN 'true' ELSE 'false' END", field)


def _maybe_flag(field: str) -> _Sql:
    """`true`, `false`, or '' when unknown (NULL)."""
    return _Sql("CASE WHEN {0} IS NULL THEN '' WHEN {0} THEN 'true' ELSE 'false' END", field)


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
        parts: list[int | None] = []  # per column: its run of SQL cells, None for Python's
        marked: list[_Sql] = []
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

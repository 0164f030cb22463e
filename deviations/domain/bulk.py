"""Plain rows into a table, fast: COPY on PostgreSQL, executemany elsewhere.

For the tens of thousands of rows of a large import (components, audit events), where
the ORM's bulk_create spends its time building model instances and compiling huge
statements.  The values must already be what the database takes (a field's
`get_db_prep_save`), in the order of `fields`; rows are read from the iterable as they
are written, so they need not all exist at once.  Nothing else may use the connection
while the rows are produced (on PostgreSQL a COPY is in progress).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 2000  # rows per executemany


def field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field of the model (one with a column)."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise LookupError(f"{model.__name__}.{name} has no column")
    return found


def _column(model: type[models.Model], name: str) -> str:
    return field(model, name).column or ""  # (field() refuses one without)


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT each row into `model`'s table (no ids returned); how many rows."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    table = quote(meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only model metadata (quoted names) goes into the text; values are data.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names only
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count

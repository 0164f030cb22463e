"""Helpers for tests that build nothing: where ../shared is (skipping cleanly without it),
what htmx sends, what a sync wrote."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the read-only ../shared data folder), which is absent here")
    return path


# --- pages -------------------------------------------------------------------------------

# What htmx sends when it asks for the results part of a list page.
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def is_api_view(view: object) -> bool:
    """A Django REST framework view (DRF authenticates it, tokens included)."""
    from rest_framework.views import APIView

    cls = getattr(view, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


# --- what a sync wrote -----------------------------------------------------------------

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


def row_counts() -> dict[str, int]:
    """Rows in each table a sync writes."""
    from deviations.models import (
        AuditEvent,
        Component,
        ComponentSync,
        Deviation,
        DriftCommit,
        OverlayResult,
        SyncRun,
        SyncRunIssue,
    )

    tables = (ComponentSync, DriftCommit, OverlayResult, AuditEvent, Deviation, Component)
    return {m.__name__: m.objects.count() for m in (*tables, SyncRun, SyncRunIssue)}


def tables_written(queries: list[dict]) -> set[str]:
    """The tables that captured SQL statements insert into, update or delete from."""
    return {m.group(1) for q in queries if (m := _WRITE.match(q["sql"]))}

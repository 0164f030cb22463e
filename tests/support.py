"""Helpers for tests that build nothing: where ../shared is (skipping cleanly without it),
what htmx sends, what a sync wrote, the test database for other processes and its right to
empty the audit trail."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# --- the test database -------------------------------------------------------------------


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a process (a worker, a command) using the test database; skips
    the test when other processes cannot open it (SQLite in memory)."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or "postgres"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        url = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    elif connection.vendor == "sqlite" and not connection.is_in_memory_db():
        url = f"sqlite:///{settings_dict['NAME']}"
    else:
        pytest.skip(
            "needs a test database other processes can open (PostgreSQL, as in CI, or SQLite "
            "with TEST_DATABASE_NAME=/path/file.sqlite3)"
        )
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"}
    env.update(
        {
            "DATABASE_URL": url,
            "AZLDRIFT_CACHE_DIR": str(tmp_path / "cache"),
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


def wait_until(predicate: Callable[[], object], timeout: float = 60.0) -> None:
    """Poll `predicate` until it holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


# Members of this role may TRUNCATE the audit tables (migration 0008); nobody else may.
AUDIT_RESET_ROLE = "azldrift_test_reset"


def allow_audit_reset(connection: Any) -> None:
    """Make the connection's user a member of AUDIT_RESET_ROLE, creating it if need be.

    Test databases are flushed with TRUNCATE between transactional tests.  The role is
    the server's (created once, by a user allowed to create roles, e.g. the test
    server's `postgres`) and grants nothing else; concurrent test runs may race to
    create and grant it, which is harmless.
    """
    member = """
        SELECT EXISTS (
            SELECT 1 FROM pg_auth_members m
            JOIN pg_roles r ON r.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member
            WHERE r.rolname = %s AND u.rolname = current_user
        )"""
    with connection.cursor() as cursor:
        cursor.execute(member, [AUDIT_RESET_ROLE])
        if cursor.fetchone()[0]:
            return
        try:
            for statement in (
                f"CREATE ROLE {AUDIT_RESET_ROLE} NOLOGIN",
                f"GRANT {AUDIT_RESET_ROLE} TO CURRENT_USER",
            ):
                cursor.execute(
                    f"DO $$ BEGIN {statement}; "
                    "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                )
        except Exception as exc:
            raise RuntimeError(
                f"cannot make the test database user a member of {AUDIT_RESET_ROLE}, which "
                f"flushing the test database needs ({exc}); as a superuser run once: CREATE "
                f"ROLE {AUDIT_RESET_ROLE} NOLOGIN; GRANT {AUDIT_RESET_ROLE} TO <test user>"
            ) from exc

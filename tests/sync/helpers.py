"""Records and repositories for sync tests: components pointing at real local repos."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.db import connection
from django.utils import timezone

from deviations.models import (
    AuditEvent,
    Component,
    ComponentSync,
    Deviation,
    DeviationKind,
    DeviationVersion,
    DriftCommit,
    ImportRun,
    OverlayResult,
    SpecType,
    SyncRun,
    SyncRunIssue,
)

SNAPSHOT = "2026-02-24T00:00:00-08:00"
SNAPSHOT_AT = dt.datetime.fromisoformat(SNAPSHOT)


def make_component(name: str, **fields) -> Component:
    now = timezone.now()
    package = fields.get("upstream_name") or name
    values = {
        "spec_type": SpecType.UPSTREAM,
        "distro": "fedora",
        "distro_version": "43",
        "dist_git_url": f"https://src.fedoraproject.org/rpms/{package}.git",
        "dist_git_branch": "f43",
        "snapshot": SNAPSHOT,
        "snapshot_at": SNAPSHOT_AT,
        "config_file": f"base/comps/{name}/{name}.comp.toml",
        "fingerprint": hashlib.sha256(name.encode()).hexdigest(),
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return Component.objects.create(name=name, **values)


def import_run(source: str = "/nonexistent") -> ImportRun:
    found = ImportRun.objects.filter(source=source).first()
    if found:
        return found
    return ImportRun.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), source=source, status="succeeded"
    )


def make_deviation(
    component: Component,
    key: str,
    content: dict,
    *,
    kind: str = DeviationKind.OVERLAY,
    description: str = "",
    metadata: dict | None = None,
    config_file: str | None = None,
    position: int = 0,
    source_root: str = "/nonexistent",
) -> Deviation:
    now = timezone.now()
    fingerprint = hashlib.sha256(
        json.dumps({"kind": kind, "content": content}, sort_keys=True).encode()
    ).hexdigest()
    metadata = metadata or {}
    dev = Deviation.objects.create(
        component=component,
        key=key,
        kind=kind,
        position=position,
        overlay_type=content.get("type", ""),
        category=metadata.get("category", ""),
        upstream_status=metadata.get("upstream-status", ""),
        description=description,
        fingerprint=fingerprint,
        config_file=config_file or component.config_file,
        created_at=now,
        updated_at=now,
    )
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=1,
        content=content,
        description=description,
        metadata=metadata,
        config_file=config_file or component.config_file,
        fingerprint=fingerprint,
        import_run=import_run(source_root),
        created_at=now,
    )
    dev.current_version = version
    dev.save(update_fields=["current_version"])
    Component.objects.filter(pk=component.pk).update(deviation_count=position + 1)
    return dev


SYNC_TABLES = (ComponentSync, DriftCommit, OverlayResult, AuditEvent, Deviation, Component)


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (*SYNC_TABLES, SyncRun, SyncRunIssue)}


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


def tables_written(queries: list[dict]) -> set[str]:
    """The tables that captured SQL statements insert into, update or delete from."""
    return {m.group(1) for q in queries if (m := _WRITE.match(q["sql"]))}


def vendor() -> str:
    return connection.vendor

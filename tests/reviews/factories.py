"""Small builders for review tests: records as the importer and sync would leave them.

The end-to-end staleness tests use the real importer and sync; these builders
serve the unit tests of rules that do not depend on how a record was made.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from deviations.domain import audit, people
from deviations.models import (
    Component,
    ConfigCommit,
    Deviation,
    DeviationKind,
    DeviationVersion,
    ImportRun,
    Origin,
    OverlayResult,
    SyncRun,
)

SETUP = audit.Actor.job("test setup", Origin.COMMAND)
_counter = itertools.count(1)


def fingerprint(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def user(username: str, *roles: str, email: str = "", **flags: Any):
    """A user holding `roles`, created through the audited service."""
    with transaction.atomic():
        return people.create_user(
            SETUP, username, password="pw-" + username, email=email, roles=roles, **flags
        )


def commit(author_name: str = "Ann Author", author_email: str = "ann@example.com") -> ConfigCommit:
    n = next(_counter)
    now = timezone.now()
    return ConfigCommit.objects.create(
        sha=hashlib.sha1(f"commit {n}".encode(), usedforsecurity=False).hexdigest(),
        author_name=author_name,
        author_email=author_email,
        authored_at=now,
        committed_at=now,
        subject=f"change {n}",
    )


def _import_run() -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        started_at=now, finished_at=now, source="test", status=ImportRun.Status.SUCCEEDED
    )


def component(name: str) -> Component:
    now = timezone.now()
    found = Component.objects.filter(name=name).first()
    return found or Component.objects.create(
        name=name,
        config_file=f"comps/{name}.comp.toml",
        fingerprint=fingerprint(name),
        created_at=now,
        updated_at=now,
    )


def deviation(
    component_name: str = "bash",
    key: str | None = None,
    *,
    content: dict | None = None,
    description: str = "Fix the build",
    introduced: ConfigCommit | None = None,
    changed: ConfigCommit | None = None,
    effect: str = "",
) -> Deviation:
    """A deviation with one version, optionally with a rendered effect at the pin."""
    comp = component(component_name)
    key = key or f"overlay-{next(_counter)}"
    content = content or {"type": "spec-search-replace", "regex": "foo", "replacement": key}
    now = timezone.now()
    dev = Deviation.objects.create(
        component=comp,
        key=key,
        kind=DeviationKind.OVERLAY,
        overlay_type=content.get("type", ""),
        description=description,
        fingerprint=fingerprint(content),
        config_file=comp.config_file,
        line_start=3,
        line_end=7,
        introduced_commit=introduced,
        changed_commit=changed or introduced,
        created_at=now,
        updated_at=now,
    )
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=1,
        content=content,
        description=description,
        config_file=comp.config_file,
        line_start=3,
        line_end=7,
        fingerprint=dev.fingerprint,
        commit=dev.changed_commit,
        import_run=_import_run(),
        created_at=now,
    )
    dev.current_version = version
    dev.save(update_fields=["current_version"])
    if effect:
        set_effect(dev, effect)
    return dev


def new_version(dev: Deviation, content: dict, *, changed: ConfigCommit | None = None) -> Deviation:
    """What a re-import does to a changed deviation (content only)."""
    dev.refresh_from_db()
    number = dev.versions.count() + 1
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=number,
        content=content,
        description=dev.description,
        config_file=dev.config_file,
        fingerprint=fingerprint(content),
        commit=changed,
        import_run=_import_run(),
        created_at=timezone.now(),
    )
    dev.current_version = version
    dev.fingerprint = version.fingerprint
    if changed is not None:
        dev.changed_commit = changed
    dev.save()
    return dev


def set_effect(dev: Deviation, diff: str) -> Deviation:
    """What a sync does: store the deviation's own diff at the pin and its hash."""
    run = SyncRun.objects.create(status=SyncRun.Status.SUCCEEDED, created_at=timezone.now())
    effect_hash = hashlib.sha256(diff.encode()).hexdigest()
    OverlayResult.objects.update_or_create(
        deviation=dev,
        target=OverlayResult.Target.PIN,
        defaults={
            "version": dev.current_version,
            "upstream_commit": "a" * 40,
            "verdict": "applied",
            "diff": diff,
            "effect_hash": effect_hash,
            "run": run,
        },
    )
    dev.effect_hash = effect_hash
    dev.verdict_at_pin = "applied"
    dev.save(update_fields=["effect_hash", "verdict_at_pin"])
    return dev

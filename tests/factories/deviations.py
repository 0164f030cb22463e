"""Deviations with their versions, as the importer writes them, and what a re-import or a
sync later does to one (a new version, a rendered effect)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import timezone

from deviations.core.severity import documented, overlay_label
from deviations.models import (
    Component,
    ConfigCommit,
    Decision,
    Deviation,
    DeviationKind,
    DeviationVersion,
    ImportRun,
    OverlayResult,
    Review,
    ReviewState,
)
from tests.factories.audit_trail import record_import_events
from tests.factories.commits import make_import_run
from tests.factories.components import component_named
from tests.factories.syncs import make_sync_run


def content_fingerprint(kind: str, content: dict) -> str:
    """What identifies a deviation's content here (the importer hashes more; tests need only
    that equal content gives an equal fingerprint and changed content another)."""
    return hashlib.sha256(
        json.dumps({"kind": kind, "content": content}, sort_keys=True).encode()
    ).hexdigest()


def make_deviation(
    component: Component | str = "bash",
    *,
    kind: str = DeviationKind.OVERLAY,
    key: str | None = None,
    position: int | None = None,
    content: dict | None = None,
    description: str | None = None,
    metadata: dict | None = None,
    comment: str = "",
    reason: str = "",
    introduced: ConfigCommit | None = None,
    changed: ConfigCommit | None = None,
    run: ImportRun | None = None,
    at: dt.datetime | None = None,
    effect: str = "",
    **fields: Any,
) -> Deviation:
    """A deviation of `component` (a name: that component, made if new) with its first
    version, imported by `run` (default: make_import_run(), then with the `deviation.created`
    event that import writes); keeps the component's deviation_count.

    By default it comes after the component's other deviations (`position`, key
    `<kind>-<position>`, lines 3+5·position to 7+5·position of the component's file), is a
    spec-add-tag overlay of its own, introduced and last changed by `introduced`
    (`changed` when given).  `metadata` also fills category and upstream status; `effect`
    records a rendered diff at the pin (record_effect); `fields` override any column of the
    deviation, and its version follows them."""
    comp = component_named(component) if isinstance(component, str) else component
    at = at or timezone.now()
    position = comp.deviations.count() if position is None else position
    key = key or f"{kind}-{position}"
    content = content or {"type": "spec-add-tag", "tag": "Provides", "value": f"{key}"}
    metadata = metadata or {}
    description = f"{kind} number {position} of {comp.name}" if description is None else description
    values = {
        "key": key,
        "overlay_type": content.get("type", "") if kind == DeviationKind.OVERLAY else "",
        "category": metadata.get("category", ""),
        "upstream_status": metadata.get("upstream-status", ""),
        "description": description,
        # As the importer writes them (core.severity's rules).
        "documented": documented(description, comment, reason, metadata),
        "label": overlay_label(content) if kind == DeviationKind.OVERLAY else "",
        "fingerprint": content_fingerprint(kind, content),
        "config_file": comp.config_file,
        "line_start": 3 + 5 * position,
        "line_end": 7 + 5 * position,
        "introduced_commit": introduced,
        "changed_commit": changed or introduced,
        "created_at": at,
        "updated_at": at,
        **fields,
    }
    dev = Deviation.objects.create(component=comp, kind=kind, position=position, **values)
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=1,
        content=content,
        description=dev.description,
        metadata=metadata,
        comment=comment,
        reason=reason,
        config_file=dev.config_file,
        line_start=dev.line_start,
        line_end=dev.line_end,
        fingerprint=dev.fingerprint,
        commit=dev.changed_commit,
        import_run=run or make_import_run(),
        created_at=at,
    )
    dev.current_version = version
    dev.save(update_fields=["current_version"])
    Component.objects.filter(pk=comp.pk).update(
        deviation_count=comp.deviations.filter(removed=False).count()
    )
    comp.refresh_from_db()
    if run is None:  # an import of its own: its event too (a given run's maker records them)
        record_import_events(comp, [dev], deviations_only=True)
    if effect:
        record_effect(dev, effect)
    return dev


def add_overlay(component: Component, n: int, content: dict, **kwargs: Any) -> Deviation:
    """The component's overlay number `n` (key overlay-<n>, position n) doing `content`."""
    return make_deviation(component, key=f"overlay-{n}", position=n, content=content, **kwargs)


def add_version(dev: Deviation, content: dict, *, changed: ConfigCommit | None = None) -> Deviation:
    """What a re-import does to a deviation whose content changed: a new current version
    (by the same import run), a new fingerprint, `changed` as its last-changing commit."""
    dev.refresh_from_db()
    old = dev.current_version
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=old.number + 1,
        content=content,
        description=dev.description,
        config_file=dev.config_file,
        fingerprint=content_fingerprint(dev.kind, content),
        commit=changed,
        import_run=old.import_run,
        created_at=timezone.now(),
    )
    dev.current_version = version
    dev.fingerprint = version.fingerprint
    if changed is not None:
        dev.changed_commit = changed
    dev.save(update_fields=["current_version", "fingerprint", "changed_commit"])
    return dev


def record_effect(dev: Deviation, diff: str) -> Deviation:
    """What a sync does: store the deviation's own diff at the pin and its hash."""
    run = make_sync_run()
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


def recorded_approval(dev: Deviation, reviewer: Any) -> Review:
    """An approval of `dev` as it is now (content and effect), written straight to the
    tables: for tests of what the importer or the sync does to a decision, not of deciding."""
    review = Review.objects.create(
        deviation=dev,
        version=dev.current_version,
        decision=Decision.APPROVED,
        reviewer=reviewer,
        fingerprint=dev.fingerprint,
        effect_hash=dev.effect_hash,
        created_at=timezone.now(),
    )
    Deviation.objects.filter(pk=dev.pk).update(review_state=ReviewState.APPROVED)
    dev.review_state = ReviewState.APPROVED
    return review

"""The drift report: one row per component, from the latest sync.

Shared by `manage.py report_drift` and anything else that lists drift, so they agree.
Keys (stable; JSON uses them as they are, CSV as its header): see `FIELDS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypedDict, get_args

from deviations.models import Component, ComponentSync, Deviation
from deviations.vocabulary import DeviationKind, Verdict

DriftField = Literal[
    "component",
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "version_at_pin",
    "release_at_pin",
    "version_at_tip",
    "release_at_tip",
    "failing_at_tip",
    "noop_at_tip",
    "obsolete_candidates",
    "error",
    "error_kind",
    "branch",
    "dist_git_url",
    "synced_at",
]
FIELDS: tuple[DriftField, ...] = get_args(DriftField)  # the keys, in column order


class DriftRow(TypedDict):
    """One component's row (the keys are FIELDS, in that order)."""

    component: str
    pinned_commit: str | None
    tip_commit: str | None
    commits_behind: int | None
    version_at_pin: str | None
    release_at_pin: str | None
    version_at_tip: str | None
    release_at_tip: str | None
    failing_at_tip: list[str]
    noop_at_tip: list[str]
    obsolete_candidates: list[str]
    error: str | None
    error_kind: str | None
    branch: str | None
    dist_git_url: str | None
    synced_at: str | None


CHUNK = 1000


def _label(dev: Deviation) -> str:
    described = f": {dev.description}" if dev.description else ""
    return f"{dev.key} {dev.overlay_type}{described}"


def _overlay_notes(
    component_ids: list[int],
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[str]]]:
    failing: dict[int, list[str]] = {}
    noop: dict[int, list[str]] = {}
    obsolete: dict[int, list[str]] = {}
    rows = (
        Deviation.objects.filter(component_id__in=component_ids, removed=False)
        .filter(kind__in=(DeviationKind.OVERLAY, DeviationKind.LOCAL_SPEC))
        .only(
            "component_id",
            "key",
            "overlay_type",
            "description",
            "verdict_at_tip",
            "obsolete",
            "obsolete_reason",
        )
        .order_by("component_id", "position")
    )
    for dev in rows:
        if dev.verdict_at_tip == Verdict.FAILED:
            failing.setdefault(dev.component_id, []).append(_label(dev))
        elif dev.verdict_at_tip == Verdict.NOOP:
            noop.setdefault(dev.component_id, []).append(_label(dev))
        if dev.obsolete:
            obsolete.setdefault(dev.component_id, []).append(
                f"{_label(dev)} ({dev.obsolete_reason})"
            )
    return failing, noop, obsolete


def drift_rows(names: list[str] | None = None) -> Iterator[DriftRow]:
    """Report rows in component name order, streamed in chunks (flat memory)."""
    query = Component.objects.filter(removed=False).order_by("name")
    if names:
        query = query.filter(name__in=names)
    ids = list(query.values_list("pk", "name"))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        pks = [pk for pk, _ in chunk]
        syncs = {s.component_id: s for s in ComponentSync.objects.filter(component_id__in=pks)}
        failing, noop, obsolete = _overlay_notes(pks)
        for pk, name in chunk:
            sync = syncs.get(pk)
            yield {
                "component": name,
                "pinned_commit": (sync.pinned_commit or None) if sync else None,
                "tip_commit": (sync.tip_commit or None) if sync else None,
                "commits_behind": sync.commits_behind if sync else None,
                "version_at_pin": (sync.version_at_pin or None) if sync else None,
                "release_at_pin": (sync.release_at_pin or None) if sync else None,
                "version_at_tip": (sync.version_at_tip or None) if sync else None,
                "release_at_tip": (sync.release_at_tip or None) if sync else None,
                "failing_at_tip": failing.get(pk, []),
                "noop_at_tip": noop.get(pk, []),
                "obsolete_candidates": obsolete.get(pk, []),
                "error": (sync.error or None) if sync else "never synced",
                "error_kind": (sync.error_kind or None) if sync else "not-synced",
                "branch": (sync.branch or None) if sync else None,
                "dist_git_url": (sync.dist_git_url or None) if sync else None,
                "synced_at": sync.synced_at.isoformat() if sync else None,
            }

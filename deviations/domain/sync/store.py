"""Writing sync outcomes: whole components per transaction, audit events inside it.

Only what changed is written and audited: the component's summary (pin, tip, drift,
versions, error), its drift commits, each overlay's verdict and own diff at the pin and
tip, and each deviation's effect / verdicts / obsolete flag.  A deviation whose effect
changed after a decision lapses to stale through `reviews.lapse_changed`, in the same
transaction, with its own audit event.

Outcomes are stored a group at a time (one transaction for a few dozen components,
which is what makes a cold sync of ~7,500 components cheap); a transaction always
holds whole components, so a killed sync never leaves one half-written.  If a group
fails, its components are stored one by one, so one bad component cannot take the
others down with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from deviations.core.text import escape_controls
from deviations.domain import audit
from deviations.domain.reviews import lapse_changed
from deviations.domain.sync.process import Outcome, OverlayOutcome, Status
from deviations.domain.sync.render import VerdictAt
from deviations.models import (
    ComponentSync,
    Deviation,
    DriftCommit,
    OverlayResult,
    SyncRun,
    SyncRunIssue,
)
from deviations.vocabulary import AuditAction, DeviationKind, SyncIssue, Target, Verdict

log = logging.getLogger(__name__)

SUMMARY_FIELDS = (
    "dist_git_url",
    "branch",
    "pinned_commit",
    "tip_commit",
    "commits_behind",
    "spec_file",
    *ComponentSync.OUTCOME_FIELDS,
)
SYNC_FIELDS = (
    *SUMMARY_FIELDS,
    "pinned_at",
    "tip_at",
    "rendered_diff",
    "run",
    "input_fingerprint",
    "synced_at",
)


def _when(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _text(value: str | None, limit: int) -> str:
    """Text read upstream (a commit's author or subject, a spec's tags), as stored: a
    commit or a spec may hold any byte, NUL too, which PostgreSQL cannot store, so
    control characters and bytes that were not UTF-8 are kept escaped (core/text.py)."""
    return escape_controls(value or "")[:limit]


def _summary(sync: ComponentSync | None) -> dict[str, Any]:
    if sync is None:
        return {}
    data = {name: getattr(sync, name) for name in SUMMARY_FIELDS}
    data["rendered_diff_lines"] = sync.rendered_diff.count("\n")
    return data


def _copy(old: ComponentSync | None, component_id: int) -> ComponentSync:
    new = ComponentSync(component_id=component_id)
    if old is not None:
        for name in SYNC_FIELDS:
            setattr(new, name, getattr(old, name))
    return new


def _fill(sync: ComponentSync, outcome: Outcome) -> None:
    job = outcome.job
    sync.dist_git_url = job.url
    sync.branch = job.branch
    sync.spec_file = outcome.spec_file[:255]
    if outcome.pin is not None and outcome.tip is not None:
        sync.pinned_commit, sync.pinned_at = outcome.pin.sha, _when(outcome.pin.committer_time)
        sync.tip_commit, sync.tip_at = outcome.tip.sha, _when(outcome.tip.committer_time)
    else:  # a local spec has no upstream
        sync.pinned_commit, sync.pinned_at, sync.tip_commit, sync.tip_at = "", None, "", None
    sync.commits_behind = outcome.behind
    pin, tip = outcome.nvr_at_pin, outcome.nvr_at_tip
    sync.name_at_pin = _text(pin.name if pin else "", 255)
    sync.epoch_at_pin = _text(pin.epoch if pin else "", 64)
    sync.version_at_pin = _text(pin.version if pin else "", 255)
    sync.release_at_pin = _text(pin.release if pin else "", 255)
    sync.epoch_at_tip = _text(tip.epoch if tip else "", 64)
    sync.version_at_tip = _text(tip.version if tip else "", 255)
    sync.release_at_tip = _text(tip.release if tip else "", 255)
    sync.rendered_diff = outcome.rendered_diff
    sync.render_ok = outcome.render_ok
    overlays = outcome.overlays
    tips = [o.at_tip.verdict for o in overlays if o.at_tip is not None]
    sync.failing_at_pin = sum(o.at_pin.verdict == Verdict.FAILED for o in overlays)
    sync.failing_at_tip = tips.count(Verdict.FAILED)
    sync.noop_at_tip = tips.count(Verdict.NOOP)
    sync.obsolete_count = sum(bool(o.obsolete_reason) for o in overlays)
    # Normally empty; set when the upstream state is known but rendering failed.
    sync.error_kind = outcome.error_kind[:64]
    sync.error = outcome.error


def _drift_rows(outcome: Outcome) -> list[DriftCommit]:
    first = (outcome.behind or 0) - len(outcome.after) + 1
    return [
        DriftCommit(
            component_id=outcome.job.component_id,
            position=first + i,
            sha=c.sha,
            committed_at=_when(c.committer_time),
            author=_text(c.author, 255),
            subject=_text(c.subject, 1000),
        )
        for i, c in enumerate(outcome.after)
    ]


def _result(
    run: SyncRun,
    item: OverlayOutcome,
    target: Target,
    at: VerdictAt,
    commit: str,
    existing: dict[tuple[int, str], OverlayResult],
) -> None:
    values = {
        "version_id": item.version_id,
        "upstream_commit": commit,
        "verdict": at.verdict,
        "message": at.message,
        "diff": at.diff,
        "effect_hash": item.effect_hash if target == Target.PIN else "",
        "archive_sha256": at.archive_sha256,
    }
    row = existing.get((item.deviation_id, target))
    if row is None:
        OverlayResult.objects.create(
            deviation_id=item.deviation_id, target=target, run=run, **values
        )
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        row.run = run
        row.save()


def _deviations(
    run: SyncRun, outcome: Outcome, drafts: list[audit.Draft], now: dt.datetime
) -> list[int]:
    """Results and deviation fields of one component; returns ids whose effect changed."""
    items = outcome.overlays
    ids = [o.deviation_id for o in items]
    existing = {
        (r.deviation_id, r.target): r for r in OverlayResult.objects.filter(deviation_id__in=ids)
    }
    devs = {d.pk: d for d in Deviation.objects.filter(pk__in=ids)}
    pin = outcome.pin.sha if outcome.pin else ""
    tip = outcome.tip.sha if outcome.tip else ""
    effect_changed = []
    for item in items:
        dev = devs.get(item.deviation_id)
        if dev is None:
            continue
        _result(run, item, Target.PIN, item.at_pin, pin, existing)
        if item.at_tip is not None:
            _result(run, item, Target.TIP, item.at_tip, tip, existing)
        before = {
            "verdict_at_pin": dev.verdict_at_pin,
            "verdict_at_tip": dev.verdict_at_tip,
            "effect_hash": dev.effect_hash,
            "obsolete": dev.obsolete,
            "obsolete_reason": dev.obsolete_reason,
        }
        after = {
            "verdict_at_pin": item.at_pin.verdict,
            "verdict_at_tip": item.at_tip.verdict if item.at_tip else "",
            "effect_hash": item.effect_hash,
            "obsolete": bool(item.obsolete_reason),
            "obsolete_reason": item.obsolete_reason,
        }
        if before == after:
            continue
        Deviation.objects.filter(pk=dev.pk).update(**after, updated_at=now)
        if before["effect_hash"] != after["effect_hash"]:
            effect_changed.append(dev.pk)
        drafts.append(
            audit.Draft(
                action=AuditAction.SYNC_DEVIATION_CHANGED,
                **audit.describe(dev),
                component_name=outcome.job.name,
                before=before,
                after={**after, "pinned_commit": pin, "tip_commit": tip},
            )
        )
    return effect_changed


def _pin_deviations(outcome: Outcome, drafts: list[audit.Draft], now: dt.datetime) -> None:
    """The obsolete flag of the component's upstream-commit pin (see process)."""
    reason = outcome.pin_obsolete_reason
    after = {"obsolete": bool(reason), "obsolete_reason": reason}
    pins = Deviation.objects.filter(
        component_id=outcome.job.component_id, kind=DeviationKind.UPSTREAM_PIN, removed=False
    )
    for dev in pins:
        before = {"obsolete": dev.obsolete, "obsolete_reason": dev.obsolete_reason}
        if before == after:
            continue
        Deviation.objects.filter(pk=dev.pk).update(**after, updated_at=now)
        drafts.append(
            audit.Draft(
                action=AuditAction.SYNC_DEVIATION_CHANGED,
                **audit.describe(dev),
                component_name=outcome.job.name,
                before=before,
                after={**after, "pinned_commit": outcome.pin.sha if outcome.pin else ""},
            )
        )


def carried_issues(outcome: Outcome) -> list[tuple[str, str]]:
    """Problems of a skipped component that are still there (the run lists them again)."""
    prev = outcome.job.previous
    if outcome.status != Status.SKIPPED or prev is None:
        return []
    found = []
    if prev.error_kind:
        found.append((prev.error_kind, prev.error))
    if prev.failing_at_pin:
        found.append(
            (
                SyncIssue.OVERLAY_FAILED,
                f"{prev.failing_at_pin} overlay(s) fail at the pinned commit",
            )
        )
    return found


def _issue_rows(run: SyncRun, outcome: Outcome, now: dt.datetime) -> list[SyncRunIssue]:
    issues = list(outcome.issues)
    if outcome.status == Status.ERROR:
        issues.insert(0, (outcome.error_kind, outcome.error))
    return [
        SyncRunIssue(
            run=run,
            component_id=outcome.job.component_id,
            component_name=outcome.job.name,
            kind=kind[:64],
            message=message,
            created_at=now,
        )
        for kind, message in issues
    ]


def _component_event(
    outcome: Outcome, before: dict[str, Any], after: dict[str, Any]
) -> audit.Draft | None:
    if after == before:
        return None
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    job = outcome.job
    return audit.Draft(
        action=AuditAction.SYNC_COMPONENT_ERROR
        if outcome.status == Status.ERROR
        else AuditAction.SYNC_COMPONENT_CHANGED,
        object_type="component",
        object_id=str(job.component_id),
        object_repr=job.name,
        component_name=job.name,
        before={k: before.get(k) for k in changed} if before else None,
        after=changed,
    )


def _store_group(run: SyncRun, outcomes: list[Outcome], actor: audit.Actor) -> list[bool]:
    """Store the outcomes in one transaction; returns per outcome whether it changed."""
    now = timezone.now()
    changed = [False] * len(outcomes)
    with transaction.atomic():
        ids = [o.job.component_id for o in outcomes]
        current = {
            s.component_id: s
            for s in ComponentSync.objects.select_for_update().filter(component_id__in=ids)
        }
        issues: list[SyncRunIssue] = []
        replaced: list[ComponentSync] = []
        drift: list[DriftCommit] = []
        drift_reset: list[int] = []
        drafts: list[audit.Draft] = []
        effect_changed: list[int] = []
        for index, outcome in enumerate(outcomes):
            if outcome.status == Status.SKIPPED:  # carried issues only (see store_many)
                issues += _issue_rows(run, outcome, now)
                continue
            issues += _issue_rows(run, outcome, now)
            job = outcome.job
            old = current.get(job.component_id)
            if old is not None and old.input_fingerprint == outcome.fingerprint:
                continue  # the same error again: only this run's issue is new
            before = _summary(old)
            sync = _copy(old, job.component_id)
            if outcome.status == Status.ERROR:
                # Keep the last good pin, tip and verdicts; say what is wrong now.
                sync.error_kind, sync.error = outcome.error_kind[:64], outcome.error
                if not sync.dist_git_url:
                    sync.dist_git_url, sync.branch = job.url, job.branch
            else:
                _fill(sync, outcome)
                if old is None or (old.pinned_commit, old.tip_commit) != (
                    sync.pinned_commit,
                    sync.tip_commit,
                ):
                    drift_reset.append(job.component_id)
                    drift += _drift_rows(outcome)
            sync.run = run
            sync.input_fingerprint = outcome.fingerprint
            sync.synced_at = now
            replaced.append(sync)
            event = _component_event(outcome, before, _summary(sync))
            if event is not None:
                drafts.append(event)
            if outcome.status == Status.SYNCED and outcome.overlays:
                effect_changed += _deviations(run, outcome, drafts, now)
            if outcome.status == Status.SYNCED and outcome.job.upstream_commit:
                _pin_deviations(outcome, drafts, now)
            changed[index] = True
        if replaced:
            # Delete-and-insert: one statement each for the whole group, whatever changed.
            ComponentSync.objects.filter(
                component_id__in=[s.component_id for s in replaced]
            ).delete()
            ComponentSync.objects.bulk_create(replaced)
        if drift_reset:
            DriftCommit.objects.filter(component_id__in=drift_reset).delete()
            DriftCommit.objects.bulk_create(drift, batch_size=1000)
        if issues:
            SyncRunIssue.objects.bulk_create(issues, batch_size=1000)
        audit.record_many(actor, drafts)
        if effect_changed:
            lapse_changed(actor, effect_changed, cause=f"sync #{run.pk}")
    return changed


def store_many(run: SyncRun, outcomes: list[Outcome], actor: audit.Actor) -> list[bool]:
    """Store outcomes (a group per transaction); a failing group is retried one by one."""
    results = [False] * len(outcomes)
    todo = []
    for index, outcome in enumerate(outcomes):
        if outcome.status == Status.SKIPPED:
            outcome.issues = carried_issues(outcome)
            if not outcome.issues:
                continue  # nothing to write, not even a transaction
        todo.append(index)
    if not todo:
        return results
    outcomes = [outcomes[i] for i in todo]
    try:
        for index, changed in zip(todo, _store_group(run, outcomes, actor), strict=True):
            results[index] = changed
        return results
    except DatabaseError:
        if len(outcomes) == 1:
            raise
        log.warning("storing %d components together failed; storing one by one", len(outcomes))
    for index, outcome in zip(todo, outcomes, strict=True):
        try:
            results[index] = _store_group(run, [outcome], actor)[0]
        except DatabaseError as exc:
            log.exception("storing the sync of %s failed", outcome.job.name)
            with transaction.atomic():
                SyncRunIssue.objects.create(
                    run=run,
                    component_id=outcome.job.component_id,
                    component_name=outcome.job.name,
                    kind=SyncIssue.STORE_FAILED,
                    message=f"the result could not be stored: {exc}",
                    created_at=timezone.now(),
                )
            outcome.status, outcome.error_kind = Status.ERROR, SyncIssue.STORE_FAILED
    return results

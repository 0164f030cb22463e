"""A `db_worker` killed with SIGKILL in the middle of storing a component leaves every
component whole; the next sync takes the dead run over and resumes; the trail verifies.

"Half written", from deviations/domain/sync/store.py: a component's sync is stored in one
transaction, which writes its state (ComponentSync: pin, tip, drift, counts, input
fingerprint, run), its drift commits, each overlay's result at the pin and at the tip with
the deviation's verdicts and effect, and the audit events saying so.  A component is whole
when all of that is there, from one run, agreeing; or none of it is.

The kill lands inside such a transaction for certain: once a few components are stored, the
test holds the audit chain's head (as any other writer may), so the worker's next store
waits for it with its rows written but not committed; then the worker is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from deviations.domain.importer import import_config
from deviations.domain.sync import SyncRequest, start_sync
from deviations.domain.sync.store import SUMMARY_FIELDS
from deviations.models import (
    AuditEvent,
    Component,
    ComponentSync,
    Deviation,
    DeviationKind,
    DriftCommit,
    OverlayResult,
)
from deviations.vocabulary import AuditAction, SyncRunStatus, Target, Verdict
from tests import factories
from tests.support import ROOT, subprocess_env, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="database task workers are exercised on PostgreSQL (CI)",
    ),
]
NAMES = [f"pkg{i:02d}" for i in range(24)]


def component_toml(name: str, index: int) -> str:
    text = (
        f"[components.{name}]\n\n"
        f"[[components.{name}.overlays]]\n"
        'description = "Set the vendor"\n'
        'type = "spec-set-tag"\ntag = "Vendor"\nvalue = "Microsoft"\n\n'
        f"[[components.{name}.overlays]]\n"
        'description = "Build serially"\n'
        'type = "spec-search-replace"\nregex = "^%make_build$"\n'
        'replacement = "%make_build -j1"\n'
    )
    if index % 2:  # applies at the pin (0.9), fails at the tip (1.0)
        text += (
            f"\n[[components.{name}.overlays]]\n"
            'description = "Pin the old version"\n'
            'type = "spec-search-replace"\nregex = "^Version:        0\\\\.9$"\n'
            'replacement = "Version:        0.9.1"\n'
        )
    return text


def db_worker(env: dict[str, str], log: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--worker-id",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed with its git processes
    )


def waiting_for_a_lock() -> list[tuple[int, Any]]:
    """Other backends of the test database waiting for a lock: (pid, their transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # afresh, inside a transaction too
        cursor.execute(
            "SELECT pid, backend_xid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return list(cursor.fetchall())


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def half_written(component: Component) -> list[str]:
    """What of the component's sync is missing or disagrees (empty: whole)."""
    name = component.name
    state = ComponentSync.objects.filter(component=component).first()
    overlays = list(Deviation.objects.filter(component=component, kind=DeviationKind.OVERLAY))
    results = {
        (r.deviation_id, r.target): r for r in OverlayResult.objects.filter(deviation__in=overlays)
    }
    drift = list(
        DriftCommit.objects.filter(component=component)
        .order_by("position")
        .values_list("position", flat=True)
    )
    events = list(
        AuditEvent.objects.filter(component_name=name, action__startswith="sync.").order_by("seq")
    )
    if state is None:
        left = [
            *(["overlay results"] if results else []),
            *(["drift commits"] if drift else []),
            *(["sync events"] if events else []),
            *(["verdicts"] if any(d.verdict_at_pin or d.effect_hash for d in overlays) else []),
        ]
        return [f"{name}: no sync state, yet {', '.join(left)}"] if left else []
    problems = []
    label = f"sync #{state.run_id}"
    if drift != list(range(1, (state.commits_behind or 0) + 1)):
        problems.append(f"{name}: drift commits {drift}, {state.commits_behind} behind")
    failing_at_tip = 0
    for dev in overlays:
        pin, tip = results.get((dev.pk, Target.PIN)), results.get((dev.pk, Target.TIP))
        if pin is None or tip is None:
            problems.append(f"{name}: {dev.key} lacks a result at the pin or the tip")
            continue
        failing_at_tip += tip.verdict == Verdict.FAILED
        if (pin.upstream_commit, tip.upstream_commit) != (state.pinned_commit, state.tip_commit):
            problems.append(f"{name}: {dev.key}'s results are of other commits than its state")
        if {pin.run_id, tip.run_id} != {state.run_id}:
            problems.append(f"{name}: {dev.key}'s results are of another run than its state")
        verdicts = (dev.verdict_at_pin, dev.verdict_at_tip, dev.effect_hash)
        if verdicts != (pin.verdict, tip.verdict, pin.effect_hash):
            problems.append(f"{name}: {dev.key}'s verdicts {verdicts} disagree with its results")
        told = [
            e
            for e in events
            if e.action == AuditAction.SYNC_DEVIATION_CHANGED and e.object_id == str(dev.pk)
        ]
        if [e.actor_label for e in told] != [label] or any(
            told[0].after[k] != getattr(dev, k) for k in ("verdict_at_pin", "verdict_at_tip")
        ):
            problems.append(f"{name}: {dev.key}'s sync event is missing or disagrees")
    if failing_at_tip != state.failing_at_tip:
        problems.append(
            f"{name}: {state.failing_at_tip} failing at the tip, results say so of {failing_at_tip}"
        )
    changed = [e for e in events if e.action == AuditAction.SYNC_COMPONENT_CHANGED]
    if [e.actor_label for e in changed] != [label]:
        problems.append(f"{name}: component events {[e.actor_label for e in changed]}, not {label}")
    else:
        after = changed[0].after
        wrong = [k for k in SUMMARY_FIELDS if k in after and after[k] != getattr(state, k)]
        if wrong or after.get("rendered_diff_lines") != state.rendered_diff.count("\n"):
            problems.append(f"{name}: its event disagrees with its state on {wrong}")
    return problems


def audit_intact() -> bool:
    call_command("verify_audit")  # raises CommandError, naming the fault, when not intact
    return True


def test_a_db_worker_killed_mid_store_leaves_whole_components_and_the_sync_resumes(
    upstream, tmp_path, settings
):
    for i, name in enumerate(NAMES):
        upstream.standard(name, drift=1 + i % 3)
    import_config(
        factories.write_config_tree(
            tmp_path / "config",
            {
                "comps/components.toml": 'includes = ["**/*.comp.toml"]\n',
                **{
                    f"comps/{name}/{name}.comp.toml": component_toml(name, i)
                    for i, name in enumerate(NAMES)
                },
            },
        ),
        cache_dir=tmp_path / "cache",
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = subprocess_env(tmp_path, TASKS_BACKEND="database", AZLDRIFT_SYNC_WORKERS="1")
    request = SyncRequest(base_uri=upstream.template, batch_size=8)
    killed = start_sync(request)
    assert killed.status == SyncRunStatus.QUEUED

    worker = db_worker(env, tmp_path / "doomed.log", "doomed")
    try:
        wait_until(
            lambda: ComponentSync.objects.count() >= 3 or worker.poll() is not None, timeout=180
        )
        assert worker.poll() is None, (tmp_path / "doomed.log").read_text()
        with transaction.atomic(), connection.cursor() as cursor:
            # Hold the head: the worker's next store waits for it, its rows written.
            cursor.execute("SELECT seq FROM deviations_auditchainhead WHERE id = 1 FOR UPDATE")
            wait_until(lambda: waiting_for_a_lock())
            [(backend, xid)] = waiting_for_a_lock()
            assert xid is not None  # it has written (uncommitted) rows
            stored = ComponentSync.objects.count()
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        # Let go: its backend gets the head, finds its client gone, and rolls back.
        wait_until(lambda: not backend_alive(backend))
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    killed.refresh_from_db()
    assert killed.status == SyncRunStatus.RUNNING and 3 <= stored < len(NAMES)
    assert ComponentSync.objects.count() == stored  # the component in flight: not at all
    components = list(Component.objects.order_by("name"))
    assert [p for c in components for p in half_written(c)] == []
    assert audit_intact()

    # The next sync: the dead run (silent past SYNC_STALE_SECONDS) is abandoned, the
    # components it stored are skipped, the rest synced.
    settings.SYNC_STALE_SECONDS = 1
    time.sleep(1.5)
    resumed = start_sync(request)
    worker = db_worker(env, tmp_path / "next.log", "next")
    try:
        assert worker.wait(timeout=300) == 0, (tmp_path / "next.log").read_text()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    killed.refresh_from_db()
    resumed.refresh_from_db()
    assert killed.status == SyncRunStatus.ABANDONED and "no heartbeat since" in killed.message
    assert (resumed.status, resumed.done, resumed.errors) == (
        SyncRunStatus.SUCCEEDED,
        len(NAMES),
        0,
    )
    assert (resumed.skipped, resumed.changed) == (stored, len(NAMES) - stored)
    assert ComponentSync.objects.count() == len(NAMES)
    assert [p for c in components for p in half_written(c)] == []
    assert Deviation.objects.filter(verdict_at_tip=Verdict.FAILED).count() == len(NAMES) // 2
    assert {e.actor_label for e in AuditEvent.objects.filter(action__startswith="sync.")} == {
        f"sync #{killed.pk}",
        f"sync #{resumed.pk}",
    }
    assert audit_intact()

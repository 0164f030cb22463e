"""The demo's sync steps (manage.py demo): local fake Fedora repositories, sync, summary.

Everything stays on this machine: the repositories are built from `demo/upstream/`
into `var/demo/distgit/` and the sync reads them through a `file://` base URI, which
is recorded with the run like any `--dist-git-base-uri`; the release tarballs that
archive overlays edit are packed into `var/demo/lookaside/`, read the same way
(`--lookaside-base-uri`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from deviations.demo.scripts import upstream_builder
from deviations.domain.sync.runs import SyncAlreadyRunning
from deviations.domain.sync.service import SyncRequest, start_sync
from deviations.models import ComponentSync, Deviation, DeviationKind, SyncRun


def build_demo_upstream(command: Any, context: dict[str, Any]) -> None:
    """Build the demo's fake Fedora dist-git repositories (deterministic commit ids)."""
    out = Path(context.get("distgit_dir") or Path(settings.BASE_DIR) / "var" / "demo" / "distgit")
    manifest = upstream_builder().build(out)
    context["distgit_template"] = manifest["url_template"]
    context["lookaside_template"] = manifest["lookaside_template"]
    repos = manifest["repositories"]
    command.stdout.write(f"{len(repos)} repositories in {out}")
    command.stdout.write(f"dist-git base URI for this run: {manifest['url_template']}")
    command.stdout.write(f"lookaside base URI for this run: {manifest['lookaside_template']}")
    for name, tarballs in manifest["tarballs"].items():
        for filename, packed in tarballs.items():
            if packed["mismatch"]:  # another compressor build: the sync will say so
                command.stderr.write(
                    f"warning: {name}: {filename} packs to SHA512 {packed['sha512'][:16]}..., "
                    "not what its `sources` file says"
                )


def sync_demo(command: Any, context: dict[str, Any]) -> None:
    """Sync every demo component against the local repositories."""
    try:
        run = start_sync(
            SyncRequest(
                base_uri=context["distgit_template"],
                lookaside_base_uri=context.get("lookaside_template"),
                trigger="command",
                extra={"demo": 1},
            )
        )
    except SyncAlreadyRunning as exc:
        raise CommandError(str(exc)) from None
    context["sync_run"] = run
    command.stdout.write(
        f"sync #{run.pk} {run.status}: {run.total} components, {run.changed} changed, "
        f"{run.skipped} unchanged, {run.errors} with errors"
    )
    for issue in run.issues.order_by("component_name"):
        command.stdout.write(f"  {issue.component_name}: [{issue.kind}] {issue.message}")


def print_drift(command: Any, context: dict[str, Any]) -> None:
    """How far Fedora moved past each pin, and what that means for the overlays."""
    run: SyncRun = context["sync_run"]
    rows = ComponentSync.objects.select_related("component").order_by("component__name")
    lines = [f"{'component':<24}{'pin':<10}{'behind':>7}  {'at pin':<16}{'at tip':<16}notes"]
    overlays = Deviation.objects.filter(
        removed=False, kind__in=(DeviationKind.OVERLAY, DeviationKind.LOCAL_SPEC)
    ).order_by("position")
    notes: dict[int, list[str]] = {}
    for dev in overlays:
        if dev.verdict_at_tip in ("failed", "no-op"):
            notes.setdefault(dev.component_id, []).append(f"{dev.key} {dev.verdict_at_tip} at tip")
        if dev.obsolete:
            notes.setdefault(dev.component_id, []).append(f"{dev.key} obsolete")
    for sync in rows:
        name = sync.component.name
        if sync.error and not sync.pinned_commit:
            lines.append(f"{name:<24}{'-':<10}{'-':>7}  {'':<16}{'':<16}error: {sync.error_kind}")
            continue
        pin = sync.pinned_commit[:8] or "local"
        behind = "" if sync.commits_behind is None else str(sync.commits_behind)
        at_pin = f"{sync.version_at_pin}-{sync.release_at_pin}"
        at_tip = f"{sync.version_at_tip}-{sync.release_at_tip}"
        note = "; ".join(notes.get(sync.component_id, []))
        lines.append(f"{name:<24}{pin:<10}{behind:>7}  {at_pin:<16}{at_tip:<16}{note}")
    command.stdout.write("\n".join(lines))
    behind = rows.filter(commits_behind__gt=0).count()
    command.stdout.write(
        f"\n{behind} components behind their branch tip; "
        f"{sum(1 for d in overlays if d.verdict_at_tip == 'failed')} overlays would fail and "
        f"{sum(1 for d in overlays if d.verdict_at_tip == 'no-op')} become no-ops on a rebase; "
        f"{sum(1 for d in overlays if d.obsolete)} obsolete-overlay candidates "
        f"(sync #{run.pk}; `manage.py report_drift` lists it all)"
    )


STEPS = [
    ("Building the demo's Fedora dist-git repositories", build_demo_upstream),
    ("Syncing with upstream (file:// override)", sync_demo),
    ("Drift summary", print_drift),
]

"""The demo's sync steps (manage.py demo): local fake Fedora repositories, sync, summary.

Everything stays on this machine: the repositories are built from `demo/upstream/`
into `var/demo/distgit/` and the sync reads them through a `file://` base URI, which
is recorded with the run like any `--dist-git-base-uri`; the release tarballs that
archive overlays edit are packed into `var/demo/lookaside/`, read the same way
(`--lookaside-base-uri`).  Each function returns what it did; the command prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deviations.demo.scripts import upstream_builder
from deviations.domain.sync.service import SyncRequest, start_sync
from deviations.models import ComponentSync, Deviation, SyncRun
from deviations.vocabulary import DeviationKind, SyncTrigger, Verdict


@dataclass(frozen=True)
class DemoUpstream:
    """The demo's fake Fedora dist-git repositories and lookaside folder, as built."""

    folder: Path
    repositories: int
    distgit_template: str
    lookaside_template: str
    # Tarballs this machine packs to other bytes than their `sources` files say.
    warnings: list[str]

    def lines(self) -> list[str]:
        return [
            f"{self.repositories} repositories in {self.folder}",
            f"dist-git base URI for this run: {self.distgit_template}",
            f"lookaside base URI for this run: {self.lookaside_template}",
        ]


def build_demo_upstream(out: Path) -> DemoUpstream:
    """Build the demo's fake Fedora dist-git repositories (deterministic commit ids)."""
    manifest = upstream_builder().build(out)
    warnings = [
        f"warning: {name}: {filename} packs to SHA512 {packed['sha512'][:16]}..., "
        "not what its `sources` file says"
        for name, tarballs in manifest["tarballs"].items()
        for filename, packed in tarballs.items()
        if packed["mismatch"]  # another compressor build: the sync will say so
    ]
    return DemoUpstream(
        folder=out,
        repositories=len(manifest["repositories"]),
        distgit_template=manifest["url_template"],
        lookaside_template=manifest["lookaside_template"],
        warnings=warnings,
    )


@dataclass(frozen=True)
class DemoSync:
    """A finished demo sync and what it reports."""

    run: SyncRun
    lines: list[str]


def sync_demo(upstream: DemoUpstream) -> DemoSync:
    """Sync every demo component against the local repositories (SyncAlreadyRunning when
    another sync holds the lock)."""
    run = start_sync(
        SyncRequest(
            base_uri=upstream.distgit_template,
            lookaside_base_uri=upstream.lookaside_template,
            trigger=SyncTrigger.COMMAND,
            extra={"demo": 1},
        )
    )
    lines = [
        f"sync #{run.pk} {run.status}: {run.total} components, {run.changed} changed, "
        f"{run.skipped} unchanged, {run.errors} with errors"
    ]
    lines += [
        f"  {issue.component_name}: [{issue.kind}] {issue.message}"
        for issue in run.issues.order_by("component_name")
    ]
    return DemoSync(run, lines)


def drift_summary(run: SyncRun) -> list[str]:
    """How far Fedora moved past each pin, and what that means for the overlays."""
    rows = ComponentSync.objects.select_related("component").order_by("component__name")
    lines = [f"{'component':<24}{'pin':<10}{'behind':>7}  {'at pin':<16}{'at tip':<16}notes"]
    overlays = Deviation.objects.filter(
        removed=False, kind__in=(DeviationKind.OVERLAY, DeviationKind.LOCAL_SPEC)
    ).order_by("position")
    notes: dict[int, list[str]] = {}
    for dev in overlays:
        if dev.verdict_at_tip in (Verdict.FAILED, Verdict.NOOP):
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
    behind_tip = rows.filter(commits_behind__gt=0).count()
    lines += [
        "",
        f"{behind_tip} components behind their branch tip; "
        f"{sum(1 for d in overlays if d.verdict_at_tip == Verdict.FAILED)} overlays would fail "
        f"and {sum(1 for d in overlays if d.verdict_at_tip == Verdict.NOOP)} become no-ops on a "
        "rebase; "
        f"{sum(1 for d in overlays if d.obsolete)} obsolete-overlay candidates "
        f"(sync #{run.pk}; `manage.py report_drift` lists it all)",
    ]
    return lines

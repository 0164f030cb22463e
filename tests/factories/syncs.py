"""Sync runs and what a sync leaves per component (pin, tip, drift, rendered diff) and per
overlay (verdicts), written directly; and a component with a real upstream repository for
the tests that start a real sync."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from deviations.models import (
    Component,
    ComponentSync,
    Deviation,
    DriftCommit,
    OverlayResult,
    SyncRun,
    Verdict,
)
from tests.factories.commits import T0
from tests.factories.components import make_component
from tests.factories.upstream_repos import UpstreamFolder, UpstreamRepo, spec_text


def _sha(*parts: Any) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - ids only


def make_sync_run(
    status: str = SyncRun.Status.SUCCEEDED,
    *,
    total: int = 0,
    done: int | None = None,
    errors: int = 0,
    **fields: Any,
) -> SyncRun:
    """A sync run in `status` (finished unless queued or running), `done` of `total`."""
    now = timezone.now()
    finished = status not in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
    return SyncRun.objects.create(
        status=status,
        created_at=now,
        started_at=now,
        finished_at=now if finished else None,
        total=total,
        done=total if done is None else done,
        errors=errors,
        **fields,
    )


SPEC_DIFF = """\
--- a/{name}.spec
+++ b/{name}.spec
@@ -1,6 +1,7 @@
 Name:           {name}
 Version:        1.2.3
 Release:        %autorelease
+Provides:       {name}-azl = %{{version}}-%{{release}}
 Summary:        The {name} package <script>alert(1)</script>
 License:        MIT
 %description
@@ -20,3 +21,3 @@ make %{{?_smp_mflags}}
 %install
-rm -rf %{{buildroot}}/usr/share/doc
+rm -rf %{{buildroot}}/usr/share/doc/{name}
 %files
"""


def make_component_sync(
    comp: Component,
    run: SyncRun,
    *,
    behind: int = 0,
    failing_at_tip: int = 0,
    noop_at_tip: int = 0,
    obsolete: int = 0,
    error_kind: str = "",
    error: str = "",
    diff: str | None = None,
) -> ComponentSync:
    """What `run` recorded for `comp`: pinned on 2026-01-15, `behind` drift commits (one a
    week after the pin), the verdict counts given, an error when `error_kind` says, and
    SPEC_DIFF as the rendered diff unless `diff` is given."""
    pinned_at = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    cs = ComponentSync.objects.create(
        component=comp,
        run=run,
        dist_git_url=comp.dist_git_url,
        branch=comp.dist_git_branch,
        pinned_commit=_sha("pin", comp.name),
        pinned_at=pinned_at,
        tip_commit=_sha("tip", comp.name) if behind else _sha("pin", comp.name),
        tip_at=pinned_at + dt.timedelta(days=behind * 7),
        commits_behind=None if error_kind else behind,
        spec_file=f"{comp.name}.spec",
        name_at_pin=comp.name,
        version_at_pin="1.2.3",
        release_at_pin="4",
        version_at_tip="1.2.4" if behind else "1.2.3",
        release_at_tip="1" if behind else "4",
        rendered_diff=SPEC_DIFF.format(name=comp.name) if diff is None else diff,
        failing_at_tip=failing_at_tip,
        noop_at_tip=noop_at_tip,
        obsolete_count=obsolete,
        error_kind=error_kind,
        error=error,
        input_fingerprint=_sha("input", comp.name),
        synced_at=timezone.now(),
    )
    for i in range(1, behind + 1):
        DriftCommit.objects.create(
            component=comp,
            position=i,
            sha=_sha("drift", comp.name, i),
            committed_at=pinned_at + dt.timedelta(days=7 * i),
            author="Fedora Packager",
            subject=f"Rebuilt for ICU 78.{i}",
        )
    return cs


def make_overlay_result(
    dev: Deviation,
    run: SyncRun,
    target: str = "pin",
    verdict: str = Verdict.APPLIED,
    *,
    message: str = "",
    diff: str | None = None,
) -> OverlayResult:
    """The verdict of `dev` at `target` (pin or tip) in `run`, with a one-line diff."""
    if diff is None:
        diff = (
            f"--- a/{dev.component.name}.spec\n+++ b/{dev.component.name}.spec\n"
            f"@@ -3,2 +3,3 @@\n Release: 1\n+Provides: overlay-{dev.pk}\n Summary: x\n"
        )
    return OverlayResult.objects.create(
        deviation=dev,
        version=dev.current_version,
        target=target,
        upstream_commit=_sha(target, dev.component.name),
        verdict=verdict,
        message=message,
        diff=diff,
        run=run,
    )


@dataclass
class Upstream:
    repo: UpstreamRepo
    component: Component
    template: str  # the dist-git URL template of the previous sync


def component_with_upstream(folder: Path, name: str = "hello") -> Upstream:
    """A component whose upstream is a real one-commit repository under `folder`/distgit,
    and a previous sync that names the template a sync started from the web or API reuses."""
    upstreams = UpstreamFolder(folder / "distgit")
    repo = upstreams.repo(name)
    repo.commit("f43", {f"{name}.spec": spec_text(name)}, "Import", "2026-01-15T12:00:00Z")
    comp = make_component(name, snapshot_at=T0.replace(month=2, day=24), dist_git_url=repo.url)
    make_sync_run(options={"dist_git_base_uri": upstreams.template})
    return Upstream(repo, comp, upstreams.template)


def wait_for_sync(run: SyncRun, seconds: float = 30) -> SyncRun:
    """The run once a sync started in the background has ended (or the time is up)."""
    deadline = time.monotonic() + seconds
    run.refresh_from_db()
    while run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
        run.refresh_from_db()
    return run

"""Plain functions that create model rows for view tests (no factory library).

Each takes the fields a test cares about and fills the rest with plausible
values.  `world()` builds a small but complete data set: components with every
kind of deviation, a sync with drift, verdicts and diffs, commits and audit
events, so each page has something to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from deviations.domain import audit
from deviations.models import (
    Component,
    ComponentSync,
    ConfigCommit,
    Deviation,
    DeviationKind,
    DeviationVersion,
    DriftCommit,
    ImportRun,
    OverlayResult,
    SyncRun,
    SyncRunIssue,
    Verdict,
)

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
T0 = dt.datetime(2026, 1, 23, 12, 0, tzinfo=dt.UTC)


def _sha(*parts: Any) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - ids only


def user(username: str = "owner", *roles: str, staff: bool = False) -> Any:
    """A user holding `roles` (none: logged in but reads nothing), without audit events."""
    made = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", is_staff=staff
    )
    if roles:
        made.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
    return made


def config_commit(
    subject: str = "feat: initial commit",
    *,
    author: str = "Ada Maintainer",
    when: dt.datetime | None = None,
) -> ConfigCommit:
    n = next(_seq)
    when = when or T0 + dt.timedelta(days=n)
    return ConfigCommit.objects.create(
        sha=_sha("commit", n, subject),
        author_name=author,
        author_email=f"{author.split()[0].lower()}@users.invalid",
        authored_at=when,
        committed_at=when,
        subject=subject,
    )


def import_run(commit: ConfigCommit | None = None) -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        started_at=now,
        finished_at=now,
        source="demo/config",
        commit=commit,
        status=ImportRun.Status.SUCCEEDED,
    )


def component(name: str, **fields: Any) -> Component:
    now = timezone.now()
    values = {
        "distro": "fedora",
        "distro_version": "43",
        "dist_git_url": f"https://src.fedoraproject.org/rpms/{name}.git",
        "dist_git_branch": "f43",
        "snapshot": "2026-02-24T00:00:00-08:00",
        "config_file": "base/comps/components.toml",
        "config_line": 1,
        "fingerprint": _sha("component", name),
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return Component.objects.create(name=name, **values)


def deviation(
    comp: Component,
    kind: str = DeviationKind.OVERLAY,
    *,
    run: ImportRun,
    commit: ConfigCommit | None = None,
    position: int | None = None,
    content: dict | None = None,
    metadata: dict | None = None,
    comment: str = "",
    reason: str = "",
    **fields: Any,
) -> Deviation:
    """A deviation with its first version; bumps the component's deviation_count."""
    now = timezone.now()
    position = comp.deviations.count() if position is None else position
    content = content or {"type": fields.get("overlay_type", "spec-add-tag"), "tag": "Provides"}
    values = {
        "key": f"{kind}-{position}",
        "overlay_type": content.get("type", "") if kind == DeviationKind.OVERLAY else "",
        "description": f"{kind} number {position} of {comp.name}",
        "fingerprint": _sha("deviation", comp.name, position, content),
        "config_file": f"base/comps/{comp.name}/{comp.name}.comp.toml",
        "line_start": 3 + 5 * position,
        "line_end": 7 + 5 * position,
        "introduced_commit": commit,
        "changed_commit": commit,
        "created_at": now,
        "updated_at": now,
    }
    if metadata:
        values["category"] = metadata.get("category", "")
        values["upstream_status"] = metadata.get("upstream-status", "")
    values.update(fields)
    dev = Deviation.objects.create(component=comp, kind=kind, position=position, **values)
    version = DeviationVersion.objects.create(
        deviation=dev,
        number=1,
        content=content,
        description=dev.description,
        metadata=metadata or {},
        comment=comment,
        reason=reason,
        config_file=dev.config_file,
        line_start=dev.line_start,
        line_end=dev.line_end,
        fingerprint=dev.fingerprint,
        commit=commit,
        import_run=run,
        created_at=now,
    )
    dev.current_version = version
    dev.save(update_fields=["current_version"])
    Component.objects.filter(pk=comp.pk).update(
        deviation_count=comp.deviations.filter(removed=False).count()
    )
    comp.refresh_from_db()
    return dev


def sync_run(
    status: str = SyncRun.Status.SUCCEEDED,
    *,
    total: int = 0,
    done: int | None = None,
    errors: int = 0,
    **fields: Any,
) -> SyncRun:
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


def component_sync(
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


def overlay_result(
    dev: Deviation,
    run: SyncRun,
    target: str = "pin",
    verdict: str = Verdict.APPLIED,
    *,
    message: str = "",
    diff: str | None = None,
) -> OverlayResult:
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


def audit_events(comp: Component, devs: list[Deviation], label: str = "import #1") -> None:
    actor = audit.Actor.job(label)
    drafts = [
        audit.Draft(
            action="component.created",
            object_type="component",
            object_id=str(comp.pk),
            object_repr=comp.name,
            component_name=comp.name,
            after={"name": comp.name},
        )
    ]
    drafts += [
        audit.Draft(
            action="deviation.created",
            object_type="deviation",
            object_id=str(d.pk),
            object_repr=str(d)[:200],
            component_name=comp.name,
            after={"fingerprint": d.fingerprint},
        )
        for d in devs
    ]
    with transaction.atomic():
        audit.record_many(actor, drafts)


@dataclass
class World:
    """What `world()` made, for tests to point at."""

    run: ImportRun
    commit: ConfigCommit
    later_commit: ConfigCommit
    sync: SyncRun
    components: dict[str, Component] = field(default_factory=dict)
    deviations: dict[str, list[Deviation]] = field(default_factory=dict)


CATEGORIES = ("azl-pruning", "azl-compatibility", "upstream-backport", "azl-branding-policy")


def world(extra_components: int = 0, *, overlays_per_extra: int = 2) -> World:
    """A demo-like data set; `extra_components` adds customized synced components
    (so query-count tests can compare a small and a larger set)."""
    commit = config_commit("feat: initial commit", author="Ada Maintainer")
    later = config_commit("fix(curl): drop the CA bundle recommendation", author="Bo Reviewer")
    run = import_run(later)
    sync = sync_run(total=4 + extra_components, errors=1, changed=3)
    w = World(run=run, commit=commit, later_commit=later, sync=sync)

    bare = component("zlib")
    w.components["zlib"] = bare
    component_sync(bare, sync, diff="")

    curl = component("curl", config_file="base/comps/curl/curl.comp.toml")
    devs = [
        deviation(
            curl,
            run=run,
            commit=commit,
            content={"type": "spec-remove-tag", "tag": "Recommends", "value": "ca-certificates"},
            metadata={"category": "azl-pruning", "upstream-status": "needs-upstream-hook"},
            comment="# Azure Linux images ship their own CA bundle.",
            description="Drop the weak dependency on the Fedora CA bundle",
            changed_commit=later,
            verdict_at_pin="applied",
            verdict_at_tip="failed",
        ),
        deviation(
            curl,
            run=run,
            commit=commit,
            content={
                "type": "spec-add-tag",
                "tag": "BuildRequires",
                "value": "azurelinux-rpm-config",
            },
            metadata={
                "category": "azl-compatibility",
                "upstream-status": "inapplicable",
                "commits": [
                    {
                        "url": "https://src.fedoraproject.org/rpms/curl/c/abc123",
                        "title": "Fedora fix",
                    },
                    "javascript:alert(1)",
                ],
            },
            description="Build-require the Azure Linux macros",
            verdict_at_pin="applied",
            verdict_at_tip="applied",
        ),
        deviation(
            curl,
            DeviationKind.BUILD_OPTION,
            run=run,
            commit=commit,
            content={"without": "brotli"},
            description="",
            key="build-option:without:brotli",
            comment="# Brotli is not part of the base image.",
        ),
    ]
    w.components["curl"], w.deviations["curl"] = curl, devs
    component_sync(curl, sync, behind=3, failing_at_tip=1)
    overlay_result(devs[0], sync, "pin")
    overlay_result(devs[0], sync, "tip", Verdict.FAILED, message="tag 'Recommends' not found")
    overlay_result(devs[1], sync, "pin")
    overlay_result(devs[1], sync, "tip")
    audit_events(curl, devs)

    nano = component("nano", config_file="base/comps/nano/nano.comp.toml")
    ndevs = [
        deviation(
            nano,
            run=run,
            commit=later,
            content={"type": "patch-add", "source": "patches/nano-fix.patch"},
            metadata={
                "category": "upstream-backport",
                "upstream-status": "upstreamed",
                "commits": ["https://src.fedoraproject.org/rpms/nano/c/0123456789abcdef"],
            },
            description="Backport the fix for a crash on resize",
            obsolete=True,
            obsolete_reason="the referenced Fedora commit is already in the pinned history",
            verdict_at_pin="no-op",
            verdict_at_tip="no-op",
        ),
    ]
    w.components["nano"], w.deviations["nano"] = nano, ndevs
    component_sync(nano, sync, behind=1, obsolete=1, noop_at_tip=1)
    overlay_result(ndevs[0], sync, "pin", Verdict.NOOP, diff="")
    audit_events(nano, ndevs)

    jq = component(
        "jq",
        upstream_commit="0f3c2a1",
        config_file="base/comps/jq/jq.comp.toml",
        dist_git_url="file:///tmp/distgit/jq.git",
    )
    jdevs = [
        deviation(
            jq,
            DeviationKind.UPSTREAM_PIN,
            run=run,
            commit=commit,
            content={"upstream-commit": "0f3c2a1"},
            description="",
        )
    ]
    w.components["jq"], w.deviations["jq"] = jq, jdevs
    component_sync(jq, sync, error_kind="pin-missing", error="commit 0f3c2a1 is not on f43")
    SyncRunIssue.objects.create(
        run=sync,
        component=jq,
        component_name="jq",
        kind="pin-missing",
        message="commit 0f3c2a1 is not on f43",
        created_at=timezone.now(),
    )

    add_components(w, extra_components, overlays_each=overlays_per_extra)
    return w


def add_components(w: World, count: int, *, overlays_each: int = 2) -> None:
    """`count` more customized, synced components (pkg-0000, pkg-0001, ... continuing)."""
    start = sum(1 for name in w.components if name.startswith("pkg-"))
    for i in range(start, start + count):
        name = f"pkg-{i:04d}"
        comp = component(name)
        cdevs = [
            deviation(
                comp,
                run=w.run,
                commit=w.commit if j % 2 else w.later_commit,
                content={"type": "spec-search-replace", "regex": "foo", "replacement": "b"},
                metadata={
                    "category": CATEGORIES[(i + j) % len(CATEGORIES)],
                    "upstream-status": "upstreamable",
                },
                verdict_at_pin="applied",
                verdict_at_tip="applied" if i % 3 else "failed",
            )
            for j in range(overlays_each)
        ]
        w.components[name], w.deviations[name] = comp, cdevs
        component_sync(comp, w.sync, behind=i % 4, failing_at_tip=0 if i % 3 else 1)
        for d in cdevs:
            overlay_result(d, w.sync, "pin")
            overlay_result(d, w.sync, "tip")
        audit_events(comp, cdevs)


@dataclass
class Upstream:
    repo: Any  # tests.sync.repos.UpstreamRepo
    component: Component
    template: str  # the dist-git URL template of the previous sync


def upstream_component(folder: Any, name: str = "hello") -> Upstream:
    """A component whose upstream is a real one-commit repository under `folder`, and a
    previous sync that names the template a sync started from the web or API reuses."""
    from tests.sync.repos import UpstreamRepo, spec_text

    repo = UpstreamRepo(folder / "distgit", name)
    repo.commit("f43", {f"{name}.spec": spec_text(name)}, "Import", "2026-01-15T12:00:00Z")
    comp = component(name, snapshot_at=T0.replace(month=2, day=24), dist_git_url=repo.url)
    template = (folder / "distgit").as_uri() + "/$pkg.git"
    sync_run(options={"dist_git_base_uri": template})
    return Upstream(repo, comp, template)


def finished(run: SyncRun, seconds: float = 30) -> SyncRun:
    """The run once a sync started in the background has ended (or the time is up)."""
    deadline = time.monotonic() + seconds
    run.refresh_from_db()
    while run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
        run.refresh_from_db()
    return run

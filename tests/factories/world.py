"""A small but complete data set for the pages, the API and the exports: components with
every kind of deviation, a sync with drift, verdicts and diffs, commits and audit events,
so each page has something to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from deviations.models import (
    Component,
    ConfigCommit,
    Deviation,
    DeviationKind,
    ImportRun,
    SyncRun,
    SyncRunIssue,
    Verdict,
)
from tests.factories.audit_trail import record_import_events
from tests.factories.commits import make_commit, make_import_run
from tests.factories.components import make_component
from tests.factories.deviations import make_deviation
from tests.factories.syncs import make_component_sync, make_overlay_result, make_sync_run


@dataclass
class World:
    """What `make_world()` made, for tests to point at."""

    run: ImportRun
    commit: ConfigCommit
    later_commit: ConfigCommit
    sync: SyncRun
    components: dict[str, Component] = field(default_factory=dict)
    deviations: dict[str, list[Deviation]] = field(default_factory=dict)


CATEGORIES = ("azl-pruning", "azl-compatibility", "upstream-backport", "azl-branding-policy")


def make_world(extra_components: int = 0, *, overlays_per_extra: int = 2) -> World:
    """A demo-like data set; `extra_components` adds customized synced components
    (so query-count tests can compare a small and a larger set)."""
    commit = make_commit("feat: initial commit", author="Ada Maintainer")
    later = make_commit("fix(curl): drop the CA bundle recommendation", author="Bo Reviewer")
    run = make_import_run("demo/config", later)
    sync = make_sync_run(total=4 + extra_components, errors=1, changed=3)
    w = World(run=run, commit=commit, later_commit=later, sync=sync)

    bare = make_component("zlib")
    w.components["zlib"] = bare
    make_component_sync(bare, sync, diff="")

    curl = make_component("curl")
    devs = [
        make_deviation(
            curl,
            run=run,
            introduced=commit,
            content={"type": "spec-remove-tag", "tag": "Recommends", "value": "ca-certificates"},
            metadata={"category": "azl-pruning", "upstream-status": "needs-upstream-hook"},
            comment="# Azure Linux images ship their own CA bundle.",
            description="Drop the weak dependency on the Fedora CA bundle",
            changed=later,
            verdict_at_pin="applied",
            verdict_at_tip="failed",
        ),
        make_deviation(
            curl,
            run=run,
            introduced=commit,
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
        make_deviation(
            curl,
            kind=DeviationKind.BUILD_OPTION,
            run=run,
            introduced=commit,
            content={"without": "brotli"},
            description="",
            key="build-option:without:brotli",
            comment="# Brotli is not part of the base image.",
        ),
    ]
    w.components["curl"], w.deviations["curl"] = curl, devs
    make_component_sync(curl, sync, behind=3, failing_at_tip=1)
    make_overlay_result(devs[0], sync, "pin")
    make_overlay_result(devs[0], sync, "tip", Verdict.FAILED, message="tag 'Recommends' not found")
    make_overlay_result(devs[1], sync, "pin")
    make_overlay_result(devs[1], sync, "tip")
    record_import_events(curl, devs)

    nano = make_component("nano")
    ndevs = [
        make_deviation(
            nano,
            run=run,
            introduced=later,
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
    make_component_sync(nano, sync, behind=1, obsolete=1, noop_at_tip=1)
    make_overlay_result(ndevs[0], sync, "pin", Verdict.NOOP, diff="")
    record_import_events(nano, ndevs)

    jq = make_component(
        "jq",
        upstream_commit="0f3c2a1",
        dist_git_url="file:///tmp/distgit/jq.git",
    )
    jdevs = [
        make_deviation(
            jq,
            kind=DeviationKind.UPSTREAM_PIN,
            run=run,
            introduced=commit,
            content={"upstream-commit": "0f3c2a1"},
            description="",
        )
    ]
    w.components["jq"], w.deviations["jq"] = jq, jdevs
    make_component_sync(jq, sync, error_kind="pin-missing", error="commit 0f3c2a1 is not on f43")
    SyncRunIssue.objects.create(
        run=sync,
        component=jq,
        component_name="jq",
        kind="pin-missing",
        message="commit 0f3c2a1 is not on f43",
        created_at=timezone.now(),
    )

    add_synced_components(w, extra_components, overlays_each=overlays_per_extra)
    return w


def add_synced_components(w: World, count: int, *, overlays_each: int = 2) -> None:
    """`count` more customized, synced components (pkg-0000, pkg-0001, ... continuing)."""
    start = sum(1 for name in w.components if name.startswith("pkg-"))
    for i in range(start, start + count):
        name = f"pkg-{i:04d}"
        comp = make_component(name)
        cdevs = [
            make_deviation(
                comp,
                run=w.run,
                introduced=w.commit if j % 2 else w.later_commit,
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
        make_component_sync(comp, w.sync, behind=i % 4, failing_at_tip=0 if i % 3 else 1)
        for d in cdevs:
            make_overlay_result(d, w.sync, "pin")
            make_overlay_result(d, w.sync, "tip")
        record_import_events(comp, cdevs)

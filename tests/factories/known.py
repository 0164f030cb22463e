"""A small, fully known data set (fixed times and hashes) for the exports' exact files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from deviations.domain import audit
from deviations.domain.permissions import REVIEWER
from deviations.models import (
    Component,
    ComponentSync,
    ConfigCommit,
    Decision,
    Deviation,
    DeviationKind,
    ImportRun,
    JustificationNote,
    NoteVersion,
    Review,
    ReviewState,
    SyncRun,
)
from tests.factories.deviations import make_deviation
from tests.factories.people import make_user

T = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
PIN, TIP = "a" * 40, "b" * 40
INTRO, CHANGE = "1" * 40, "2" * 40


@dataclass
class Known:
    curl: Component
    zlib: Component
    remove_tag: Deviation
    build_option: Deviation
    formula: Deviation
    reviewer: Any
    review: Review


def _known_deviation(comp: Component, position: int, **fields: Any) -> Deviation:
    """A deviation at `position` whose fingerprint, lines and times are fixed too."""
    return make_deviation(
        comp,
        position=position,
        fingerprint=f"{position:x}" * 64,
        line_start=10 * position + 1,
        line_end=10 * position + 4,
        at=T,
        **fields,
    )


def known_records() -> Known:
    """Every value fixed (ids aside): two components, three deviations of curl (an approved
    overlay with a note, a build option, an obsolete overlay whose text looks like a
    spreadsheet formula), a sync of curl, a review and an event."""
    reviewer = make_user("rita", roles=[REVIEWER], email="rita@example.com")
    intro = ConfigCommit.objects.create(
        sha=INTRO,
        author_name="Ada Maintainer",
        author_email="ada@example.com",
        authored_at=T,
        committed_at=T,
        subject="feat: curl",
    )
    change = ConfigCommit.objects.create(
        sha=CHANGE,
        author_name="Bo Packager",
        author_email="",
        authored_at=T + dt.timedelta(days=1, microseconds=250),
        committed_at=T + dt.timedelta(days=1),
        subject="fix: curl",
    )
    run = ImportRun.objects.create(started_at=T, source="test", status="succeeded")
    curl = Component.objects.create(
        name="curl",
        distro="fedora",
        distro_version="43",
        dist_git_url="https://src.fedoraproject.org/rpms/curl.git",
        dist_git_branch="f43",
        snapshot="2026-02-24T00:00:00-08:00",
        config_file="base/comps/curl/curl.comp.toml",
        config_line=1,
        fingerprint="c" * 64,
        deviation_count=3,
        created_at=T,
        updated_at=T,
    )
    zlib = Component.objects.create(
        name="zlib",
        config_file="base/comps/components.toml",
        config_line=7,
        fingerprint="d" * 64,
        created_at=T,
        updated_at=T,
    )
    sync = SyncRun.objects.create(status="succeeded", created_at=T)
    ComponentSync.objects.create(
        component=curl,
        run=sync,
        pinned_commit=PIN,
        pinned_at=T,
        tip_commit=TIP,
        tip_at=T + dt.timedelta(days=9),
        commits_behind=2,
        version_at_pin="8.11.1",
        release_at_pin="3",
        version_at_tip="8.12.0",
        release_at_tip="1",
        failing_at_tip=1,
        obsolete_count=0,
        input_fingerprint="e" * 64,
        synced_at=T,
    )
    remove_tag = _known_deviation(
        curl,
        0,
        kind=DeviationKind.OVERLAY,
        run=run,
        introduced=intro,
        changed=change,
        content={"type": "spec-remove-tag", "tag": "Recommends", "value": "ca-certificates"},
        metadata={
            "category": "azl-pruning",
            "upstream-status": "upstreamable",
            "commits": [{"url": "https://src.fedoraproject.org/rpms/curl/c/abc", "title": "fix"}],
            "bugs": ["https://bugzilla.redhat.com/show_bug.cgi?id=1"],
        },
        comment="# Our images ship their own CA bundle.",
        description='Drop the CA bundle, "quoted", with a comma',
        review_state=ReviewState.APPROVED,
        verdict_at_pin="applied",
        verdict_at_tip="failed",
    )
    build_option = _known_deviation(
        curl,
        1,
        kind=DeviationKind.BUILD_OPTION,
        run=run,
        introduced=intro,
        content={"without": "brotli"},
        reason="brotli is not in the base image",
        description="",
    )
    formula = _known_deviation(
        curl,
        2,
        kind=DeviationKind.OVERLAY,
        run=run,
        introduced=intro,
        content={"type": "spec-add-tag", "tag": "Provides", "value": "=cmd|' /C calc'!A0"},
        metadata={"category": "azl-compatibility", "upstream-status": "inapplicable"},
        description='=HYPERLINK("http://evil.example")',
        obsolete=True,
        obsolete_reason="no-op at the pin",
        verdict_at_pin="no-op",
    )
    review = Review.objects.create(
        deviation=remove_tag,
        version=remove_tag.current_version,
        decision=Decision.APPROVED,
        comment="",
        reviewer=reviewer,
        fingerprint=remove_tag.fingerprint,
        created_at=T + dt.timedelta(days=2),
    )
    note = JustificationNote.objects.create(deviation=remove_tag, author=reviewer, created_at=T)
    NoteVersion.objects.create(note=note, number=1, text="first", author=reviewer, created_at=T)
    NoteVersion.objects.create(
        note=note, number=2, text="@second, revised", author=reviewer, created_at=T
    )
    with transaction.atomic():
        audit.record(
            audit.Actor.job(f"import #{run.pk}"),
            "deviation.created",
            object_type="deviation",
            object_id=str(remove_tag.pk),
            object_repr="-curl: overlay-0",
            component_name="curl",
            after={"fingerprint": remove_tag.fingerprint, "n": -1.5},
        )
        # Every decision has its event (verify_audit looks for it).
        audit.record(
            audit.Actor.for_user(reviewer),
            "review.approved",
            object_type="deviation",
            object_id=str(remove_tag.pk),
            object_repr="-curl: overlay-0",
            component_name="curl",
            after={"review_state": "approved", "review": review.pk},
        )
    return Known(curl, zlib, remove_tag, build_option, formula, reviewer, review)

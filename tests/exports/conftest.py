"""A small, fully known data set (fixed ids, times and hashes) and users for export tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction

from deviations.domain import audit
from deviations.domain.permissions import ADMIN, REVIEWER, VIEWER
from deviations.models import (
    Component,
    ComponentSync,
    ConfigCommit,
    Decision,
    Deviation,
    DeviationKind,
    DeviationVersion,
    ImportRun,
    JustificationNote,
    NoteVersion,
    Review,
    ReviewState,
    SyncRun,
)
from tests.reviews import factories as people

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
    reviewer: object
    review: Review


def _deviation(comp, run, commit, changed, position, kind, **fields):
    content = fields.pop("content")
    metadata = fields.pop("metadata", {})
    comment = fields.pop("comment", "")
    reason = fields.pop("reason", "")
    dev = Deviation.objects.create(
        component=comp,
        key=f"{kind}-{position}",
        kind=kind,
        position=position,
        overlay_type=content.get("type", "") if kind == DeviationKind.OVERLAY else "",
        category=metadata.get("category", ""),
        upstream_status=metadata.get("upstream-status", ""),
        fingerprint=f"{position:x}" * 64,
        config_file=comp.config_file,
        line_start=10 * position + 1,
        line_end=10 * position + 4,
        introduced_commit=commit,
        changed_commit=changed,
        created_at=T,
        updated_at=T,
        **fields,
    )
    dev.current_version = DeviationVersion.objects.create(
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
        commit=changed,
        import_run=run,
        created_at=T,
    )
    dev.save(update_fields=["current_version"])
    return dev


def build_known() -> Known:
    reviewer = people.user("rita", REVIEWER, email="rita@example.com")
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
    remove_tag = _deviation(
        curl,
        run,
        intro,
        change,
        0,
        DeviationKind.OVERLAY,
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
    build_option = _deviation(
        curl,
        run,
        intro,
        intro,
        1,
        DeviationKind.BUILD_OPTION,
        content={"without": "brotli"},
        reason="brotli is not in the base image",
        description="",
    )
    formula = _deviation(
        curl,
        run,
        intro,
        intro,
        2,
        DeviationKind.OVERLAY,
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
            audit.Actor.job("import #1"),
            "deviation.created",
            object_type="deviation",
            object_id=str(remove_tag.pk),
            object_repr="-curl: overlay-0",
            component_name="curl",
            after={"fingerprint": remove_tag.fingerprint, "n": -1.5},
        )
    return Known(curl, zlib, remove_tag, build_option, formula, reviewer, review)


@pytest.fixture
def known(db):
    return build_known()


@pytest.fixture
def viewer(db):
    return people.user("vera", VIEWER)


@pytest.fixture
def admin_user(db):
    return people.user("ada", ADMIN, is_staff=True)


@pytest.fixture
def nobody(db):
    """Logged in, but holding no role."""
    return people.user("nora")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

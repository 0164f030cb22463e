from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import SyncRunStatus, SyncTrigger, Target, Verdict
from deviations.vocabulary.sync import ACTIVE
from deviations.vocabulary.sync_issues import ISSUE_CHOICES

from .component import Component
from .deviation import Deviation, DeviationVersion


class SyncRun(models.Model):
    """One sync of Fedora dist-git; the only record a no-op re-sync writes."""

    Status = SyncRunStatus  # the vocabulary, as `SyncRun.Status` too

    status = models.CharField(
        max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.QUEUED
    )
    trigger = models.CharField(
        max_length=16, choices=SyncTrigger.choices, default=SyncTrigger.COMMAND
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)  # components, base-uri override, ...
    engine_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # Drift when the run closed (components synced, behind their Fedora tip, commits
    # behind in all, overlays failing at the tip): the sync trends.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The database lock: at most one sync is queued or running at a time.  The
            # indexed expression is a constant, so a queued and a running run collide too
            # (a unique index on `status` would let one of each through).
            models.UniqueConstraint(
                models.Value(True),
                condition=models.Q(status__in=[status.value for status in ACTIVE]),
                name="syncrun_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"sync #{self.pk} ({self.status})"


class SyncRunIssue(models.Model):
    """A per-component error of a run; the run goes on."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="issues")
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    component_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=64, choices=ISSUE_CHOICES)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["component_name"]


class ComponentSync(models.Model):
    """The latest synced state of a component against its upstream."""

    component = models.OneToOneField(
        Component, primary_key=True, on_delete=models.PROTECT, related_name="sync"
    )
    run = models.ForeignKey(SyncRun, on_delete=models.PROTECT, related_name="+")
    dist_git_url = models.CharField(max_length=1000, blank=True)
    branch = models.CharField(max_length=255, blank=True)
    pinned_commit = models.CharField(max_length=40, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    tip_commit = models.CharField(max_length=40, blank=True)
    tip_at = models.DateTimeField(null=True, blank=True)
    commits_behind = models.IntegerField(null=True, blank=True)
    spec_file = models.CharField(max_length=255, blank=True)
    name_at_pin = models.CharField(max_length=255, blank=True)
    epoch_at_pin = models.CharField(max_length=64, blank=True)
    version_at_pin = models.CharField(max_length=255, blank=True)
    release_at_pin = models.CharField(max_length=255, blank=True)
    epoch_at_tip = models.CharField(max_length=64, blank=True)
    version_at_tip = models.CharField(max_length=255, blank=True)
    release_at_tip = models.CharField(max_length=255, blank=True)
    # Upstream spec vs Azure Linux spec (and sidecars) at the pin, unified diff.
    rendered_diff = models.TextField(blank=True)
    render_ok = models.BooleanField(default=True)
    failing_at_pin = models.PositiveIntegerField(default=0)
    failing_at_tip = models.PositiveIntegerField(default=0)
    noop_at_tip = models.PositiveIntegerField(default=0)
    obsolete_count = models.PositiveIntegerField(default=0)
    error_kind = models.CharField(max_length=64, blank=True, choices=ISSUE_CHOICES)
    error = models.TextField(blank=True)
    # Hash of everything the result depends on (pin, tip, overlays, engine version):
    # unchanged means the component is skipped with no writes.
    input_fingerprint = models.CharField(max_length=64)
    synced_at = models.DateTimeField()

    # What the sync found past the pin and at the tip: the package at each, whether the
    # overlays render, how many fail, turn no-op or look obsolete, and any error.  The
    # sync's audit events and the API's drift both show these.
    OUTCOME_FIELDS = (
        "name_at_pin",
        "epoch_at_pin",
        "version_at_pin",
        "release_at_pin",
        "epoch_at_tip",
        "version_at_tip",
        "release_at_tip",
        "render_ok",
        "failing_at_pin",
        "failing_at_tip",
        "noop_at_tip",
        "obsolete_count",
        "error_kind",
        "error",
    )

    class Meta:
        indexes = [
            models.Index(fields=["commits_behind"], name="componentsync_behind_idx"),
            models.Index(fields=["failing_at_tip"], name="componentsync_failing_tip_idx"),
            models.Index(fields=["obsolete_count"], name="componentsync_obsolete_idx"),
            models.Index(fields=["error_kind"], name="componentsync_error_idx"),
        ]


class DriftCommit(models.Model):
    """An upstream commit on the tracked branch after the pin."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="drift_commits")
    position = models.PositiveIntegerField()  # 1 = first commit after the pin
    sha = models.CharField(max_length=40)
    committed_at = models.DateTimeField()
    author = models.CharField(max_length=255)
    subject = models.CharField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "sha"], name="driftcommit_unique_sha"),
            # Numbered 1, 2, ... after the pin: the timeline's order.
            models.UniqueConstraint(
                fields=["component", "position"], name="driftcommit_unique_position"
            ),
        ]


class OverlayResult(models.Model):
    """A deviation's verdict and own diff when rendered at the pin or at the tip."""

    Target = Target  # the vocabulary, as `OverlayResult.Target` too

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="results")
    version = models.ForeignKey(DeviationVersion, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=8, choices=Target.choices)
    upstream_commit = models.CharField(max_length=40)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    message = models.TextField(blank=True)
    diff = models.TextField(blank=True)
    effect_hash = models.CharField(max_length=64, blank=True)
    # An archive overlay that applied: sha256 of the archive as the engine repacked it.
    archive_sha256 = models.CharField(max_length=64, blank=True)
    run = models.ForeignKey(SyncRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deviation", "target"], name="overlayresult_unique_target"
            ),
        ]

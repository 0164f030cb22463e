"""What upstream said about each deviation's links and each component's project."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import (
    SuggestionKind,
    SuggestionStatus,
    UpstreamCheckStatus,
    UpstreamCheckTrigger,
)

from .component import Component
from .deviation import Deviation


class UpstreamCheck(models.Model):
    """One run of `check_upstream` (the actor of its audit events: "upstream-check #N")."""

    Status = UpstreamCheckStatus  # the vocabulary, as `UpstreamCheck.Status` too

    status = models.CharField(
        max_length=16, choices=UpstreamCheckStatus.choices, default=UpstreamCheckStatus.RUNNING
    )
    trigger = models.CharField(
        max_length=16, choices=UpstreamCheckTrigger.choices, default=UpstreamCheckTrigger.COMMAND
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)  # components, links/releases, force
    offline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # counts: asked, changed, errors, 304s
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One check at a time (as syncrun_one_active): a second start is refused.
            models.UniqueConstraint(
                models.Value(True),
                condition=models.Q(status=UpstreamCheckStatus.RUNNING.value),
                name="upstreamcheck_one_running",
            ),
        ]

    def __str__(self) -> str:
        return f"upstream check #{self.pk}"

    @property
    def actor_label(self) -> str:
        return f"upstream-check #{self.pk}"


class UpstreamLink(models.Model):
    """An upstream link (by its canonical public URL) and the last state its service gave."""

    url = models.CharField(max_length=2000, unique=True)
    service = models.CharField(max_length=16)  # bugzilla, pagure, github, gitlab, web
    kind = models.CharField(max_length=16)  # bug, pull-request, merge-request, issue, commit, link
    host = models.CharField(max_length=255, blank=True)
    project = models.CharField(max_length=500, blank=True)
    number = models.BigIntegerField(null=True, blank=True)
    sha = models.CharField(max_length=40, blank=True)
    # The last state a service gave ("" until one did) and what it said with it.
    state = models.CharField(max_length=16, blank=True)
    detail = models.JSONField(default=dict, blank=True)  # title, detail, changed_at, release
    state_seen_at = models.DateTimeField(null=True, blank=True)  # first seen in this state
    checked_at = models.DateTimeField(null=True, blank=True)  # last asked (answer or error)
    error_kind = models.CharField(max_length=32, blank=True)  # the last question's failure
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url"]
        indexes = [models.Index(fields=["checked_at"], name="upstreamlink_checked_idx")]

    def __str__(self) -> str:
        return self.url


class DeviationLink(models.Model):
    """A link as a deviation writes it: where (metadata, description, comment, reason)."""

    deviation = models.ForeignKey(
        Deviation, on_delete=models.PROTECT, related_name="upstream_links"
    )
    link = models.ForeignKey(UpstreamLink, on_delete=models.PROTECT, related_name="uses")
    source = models.CharField(max_length=32)
    context = models.CharField(max_length=300, blank=True)  # the line it was written on
    position = models.PositiveIntegerField(default=0)

    class Meta:  # no default ordering (it would join the deviations): lists say theirs
        constraints = [
            models.UniqueConstraint(fields=["deviation", "link"], name="deviationlink_unique"),
        ]


class UpstreamSuggestion(models.Model):
    """What an upstream state suggests for a deviation; never applied by itself.

    Keyed by the evidence (the link's state as the suggestion read it): a dismissed
    suggestion stays dismissed until the state changes, which makes a new one.
    """

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="suggestions")
    link = models.ForeignKey(UpstreamLink, on_delete=models.PROTECT, related_name="suggestions")
    kind = models.CharField(max_length=16, choices=SuggestionKind.choices)
    evidence = models.JSONField(default=dict)  # url, state, detail, changed_at, checked_at, why
    evidence_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:  # no default ordering (it would join the deviations): lists say theirs
        constraints = [
            models.UniqueConstraint(
                fields=["deviation", "link", "evidence_hash"], name="suggestion_unique_evidence"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="suggestion_status_idx")]

    def __str__(self) -> str:
        return f"{self.deviation}: {self.kind} ({self.link.url})"


class UpstreamRelease(models.Model):
    """A component's upstream project (Anitya's Fedora mapping) and its latest release."""

    component = models.OneToOneField(
        Component, primary_key=True, on_delete=models.PROTECT, related_name="upstream_release"
    )
    package = models.CharField(max_length=255)  # the Fedora package asked about
    project = models.CharField(max_length=255, blank=True)  # "" when Anitya maps none
    ecosystem = models.CharField(max_length=255, blank=True)
    latest_version = models.CharField(max_length=255, blank=True)  # latest stable release
    # Fedora's version at the branch tip when compared, and whether upstream is newer
    # (None: not comparable, e.g. a macro in the version, or no release known).
    fedora_version = models.CharField(max_length=255, blank=True)
    newer_than_fedora = models.BooleanField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["component__name"]
        indexes = [models.Index(fields=["newer_than_fedora"], name="release_newer_idx")]

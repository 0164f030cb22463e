"""Notifications: feed tokens, watches, and what `manage.py notify` sent to whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import DigestSection, WatchKind

from .component import Component


class FeedToken(models.Model):
    """A user's key for their Atom feeds: read-only, feeds only, one a user, revocable.

    Only the SHA-256 of the key is stored, so a copy of the database opens no feed;
    the key is shown once, when it is made (deviations.domain.feeds).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed token of {self.user}"


class Watch(models.Model):
    """A user watching a component, or a saved filter of the deviation list (its query)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    kind = models.CharField(max_length=16, choices=WatchKind.choices)
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="watches"
    )
    # The deviation list's query string, normalised (keys sorted, empty values and the
    # page dropped): the same filter saved twice is one watch.
    query = models.CharField(max_length=2000, blank=True)
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "component"],
                condition=models.Q(kind=WatchKind.COMPONENT.value),
                name="watch_unique_component",
            ),
            models.UniqueConstraint(
                fields=["user", "query"],
                condition=models.Q(kind=WatchKind.FILTER.value),
                name="watch_unique_filter",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=WatchKind.COMPONENT.value, component__isnull=False, query="")
                    | models.Q(kind=WatchKind.FILTER.value, component__isnull=True)
                ),
                name="watch_kind_target",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == WatchKind.COMPONENT and self.component_id:
            return f"component {self.component}"
        return f"filter {self.name or self.query or '(all deviations)'}"


class NotifyRun(models.Model):
    """One `manage.py notify` run (not a dry run): the audit events it read, up to which."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    since_seq = models.BigIntegerField(default=0)  # first audit event read
    until_seq = models.BigIntegerField(default=0)  # last audit event read (next run: after it)
    digests = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"notify run #{self.pk}"


class Digest(models.Model):
    """One e-mail sent to one user by a notify run."""

    run = models.ForeignKey(NotifyRun, on_delete=models.PROTECT, related_name="digest_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    email = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"digest #{self.pk} to {self.user}"


class SentNotification(models.Model):
    """One item a user was told about: never told twice (the unique key is the guard).

    `key` names the item's basis: an audit event (`event:<seq>`), or a state and the
    date it began (`overdue:<deviation>:<due date>`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    section = models.CharField(max_length=32, choices=DigestSection.choices)
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="sentnotification_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.user}"

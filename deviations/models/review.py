from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import Decision

from .deviation import Deviation, DeviationVersion


class Review(models.Model):
    """A reviewer's decision, bound to the exact content and effect decided on."""

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(DeviationVersion, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=32, choices=Decision.choices)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    fingerprint = models.CharField(max_length=64)  # the content decided on
    effect_hash = models.CharField(max_length=64, blank=True)  # the rendered effect decided on
    effect_diff = models.TextField(blank=True)  # kept so "what changed since" can be shown
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["deviation", "-created_at"], name="review_deviation_idx")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.deviation} by {self.reviewer}"


class JustificationNote(models.Model):
    """A justification written in the app beside the TOML metadata; its text is versioned."""

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note #{self.pk} on {self.deviation}"


class NoteVersion(models.Model):
    """An immutable text of a note; editing a note adds a version."""

    note = models.ForeignKey(JustificationNote, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="noteversion_unique_number"),
        ]

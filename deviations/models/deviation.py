from django.db import models
from django.utils import timezone

from deviations.vocabulary import DeviationKind, ReviewState, Verdict

from .component import Component
from .config import ConfigCommit, ImportRun
from .ownership import Owned


class Deviation(Owned):
    """One way a component deviates from plain Fedora.

    Never deleted: a deviation that leaves the config is marked removed so its
    history, reviews and audit trail stay.  Its content lives in versions.
    """

    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="deviations")
    # Stable identity within the component (e.g. "overlay-3", "build-option:without:debug").
    key = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=DeviationKind.choices)
    position = models.PositiveIntegerField(default=0)  # order within the component
    # Denormalised from the current version, for filters and lists.
    overlay_type = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=64, blank=True)
    upstream_status = models.CharField(max_length=32, blank=True)
    description = models.TextField(blank=True)
    # Whether the current version says why (core.severity.documented), and what an overlay
    # does from its type and parameters (core.severity.overlay_label): both written by the
    # import with the version, so lists filter and show them without reading versions.
    documented = models.BooleanField(default=False)
    label = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64)
    # Where it is declared now (line numbers move when other lines change; that
    # alone is not a new version).
    config_file = models.CharField(max_length=1000, blank=True)
    line_start = models.PositiveIntegerField(default=0)
    line_end = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "DeviationVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    introduced_commit = models.ForeignKey(
        ConfigCommit, null=True, blank=True, on_delete=models.PROTECT, related_name="introduced"
    )
    changed_commit = models.ForeignKey(
        ConfigCommit, null=True, blank=True, on_delete=models.PROTECT, related_name="changed"
    )
    removed = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Review state, kept current by the services that change it (import, sync, reviews).
    review_state = models.CharField(
        max_length=32, choices=ReviewState.choices, default=ReviewState.NEEDS_REVIEW
    )
    review_state_changed_at = models.DateTimeField(null=True, blank=True)
    # Effect of the deviation at the pinned upstream commit (hash of its own diff);
    # written by sync, compared by reviews.
    effect_hash = models.CharField(max_length=64, blank=True)
    # "" until a sync renders it (and for kinds that change the build, not the spec).
    verdict_at_pin = models.CharField(max_length=16, blank=True, choices=Verdict.choices)
    verdict_at_tip = models.CharField(max_length=16, blank=True, choices=Verdict.choices)
    obsolete = models.BooleanField(default=False)
    obsolete_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField()

    # No default ordering: it would join the components into every query, counts included.
    # Lists say their order (component name, then position).
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "key"], name="deviation_unique_key"),
        ]
        indexes = [
            models.Index(fields=["kind"], name="deviation_kind_idx"),
            models.Index(fields=["overlay_type"], name="deviation_overlay_type_idx"),
            models.Index(fields=["category"], name="deviation_category_idx"),
            models.Index(fields=["upstream_status"], name="deviation_upstream_status_idx"),
            models.Index(fields=["review_state"], name="deviation_review_state_idx"),
            models.Index(fields=["removed"], name="deviation_removed_idx"),
            models.Index(fields=["documented"], name="deviation_documented_idx"),
            models.Index(fields=["due_date"], name="deviation_due_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.component.name}: {self.key}"

    @property
    def title(self) -> str:
        """What a list shows of it: its description, else what it does (an overlay's type
        and parameters), else its key."""
        return self.description or self.label or self.key


class DeviationVersion(models.Model):
    """An immutable version of a deviation's content and justification."""

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # The deviation's fields as written in TOML (normalised: defaults dropped, keys sorted).
    content = models.JSONField(default=dict)
    description = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)  # TOML comment lines directly above it
    reason = models.TextField(blank=True)  # skip_reason, replace-reason, ...
    # Location when this version was recorded; relative to the config root.
    config_file = models.CharField(max_length=1000)
    line_start = models.PositiveIntegerField(default=0)
    line_end = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=64)
    commit = models.ForeignKey(
        ConfigCommit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="versions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deviation", "number"], name="deviationversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deviation} v{self.number}"

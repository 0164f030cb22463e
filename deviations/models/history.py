"""The record through time: each deviation and component as the config's history had it.

The history replay of an import from git (deviations.core.config.history.walk) sees every
commit on the first-parent line; what it saw is kept here as spans of commit positions
(`ConfigCommit.position`): a deviation's content, justification and provenance were in
force from the commit at `start` up to, not including, the one at `end` (null: still
in force at the last replayed commit).  The record as it stood at a commit is the spans
covering its position; what changed between two commits, the spans that start or end
between them.  Derived data, rebuilt from git: a replay of a history that was rewritten
replaces the spans after the last commit the two histories share.
"""

from django.db import models

from deviations.core.severity import documented

from .component import Component
from .config import ConfigCommit
from .deviation import Deviation


class DeviationSpan(models.Model):
    """A deviation's state over a stretch of the config's history."""

    component_name = models.CharField(max_length=255)
    # The key the replay tracks it by across the whole history (for the deviations in
    # the config at an import, the import's own key when they differ: see `deviation`).
    key = models.CharField(max_length=300)
    # The record it is a state of, when the replay could tell (deviations in the
    # config at an imported commit, and their earlier states).
    deviation = models.ForeignKey(
        Deviation, null=True, blank=True, on_delete=models.PROTECT, related_name="spans"
    )
    kind = models.CharField(max_length=32)
    position = models.PositiveIntegerField(default=0)  # order within the component
    overlay_type = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=64, blank=True)
    upstream_status = models.CharField(max_length=32, blank=True)
    description = models.TextField(blank=True)
    content = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64)
    config_file = models.CharField(max_length=1000, blank=True)
    line_start = models.PositiveIntegerField(default=0)
    line_end = models.PositiveIntegerField(default=0)
    introduced_commit = models.ForeignKey(ConfigCommit, on_delete=models.PROTECT, related_name="+")
    changed_commit = models.ForeignKey(ConfigCommit, on_delete=models.PROTECT, related_name="+")
    start = models.PositiveIntegerField()  # in force from the commit at this position
    end = models.PositiveIntegerField(null=True, blank=True)  # up to (not incl.) this one

    class Meta:  # no default ordering (lists say theirs)
        indexes = [
            models.Index(fields=["start", "end"], name="deviationspan_range_idx"),
            models.Index(fields=["end"], name="deviationspan_end_idx"),
            models.Index(fields=["component_name", "key"], name="deviationspan_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.component_name}: {self.key} [{self.start}, {self.end})"

    @property
    def documented(self) -> bool:
        return documented(self.description, self.comment, self.reason, self.metadata)


class ComponentSpan(models.Model):
    """A stretch of the config's history during which a component was in the config."""

    name = models.CharField(max_length=255)
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["start", "end"], name="componentspan_range_idx"),
            models.Index(fields=["name"], name="componentspan_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.start}, {self.end})"

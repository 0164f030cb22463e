from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from deviations.vocabulary import SpecType

from .ownership import Owned


class Component(Owned):
    """A component of Azure Linux and its effective upstream, as the config resolves it."""

    name = models.CharField(max_length=255, unique=True)
    spec_type = models.CharField(max_length=16, choices=SpecType.choices, default=SpecType.UPSTREAM)
    # Effective upstream (after inheritance); empty for local specs.
    distro = models.CharField(max_length=100, blank=True)
    distro_version = models.CharField(max_length=100, blank=True)
    upstream_name = models.CharField(max_length=255, blank=True)
    dist_git_url = models.CharField(max_length=1000, blank=True)
    dist_git_branch = models.CharField(max_length=255, blank=True)
    # The distro's lookaside-base-uri template (source tarballs, for archive overlays).
    lookaside_base_uri = models.CharField(max_length=1000, blank=True)
    snapshot = models.CharField(max_length=64, blank=True)  # as written in the config
    snapshot_at = models.DateTimeField(null=True, blank=True)
    upstream_commit = models.CharField(max_length=40, blank=True)  # config pin, as written
    local_spec_path = models.CharField(max_length=1000, blank=True)
    groups = models.JSONField(default=list, blank=True)
    # Where it is declared.
    config_file = models.CharField(max_length=1000)
    config_line = models.PositiveIntegerField(default=0)
    # Hash of the effective config, so re-imports can tell "unchanged" cheaply.
    fingerprint = models.CharField(max_length=64)
    # Denormalised from the deviations for filtering large lists cheaply.
    deviation_count = models.PositiveIntegerField(default=0)
    removed = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["deviation_count"], name="component_devcount_idx"),
            models.Index(fields=["removed"], name="component_removed_idx"),
            # The lists sort names case-insensitively (the name breaks ties).
            models.Index(Lower("name"), "name", name="component_lower_name_idx"),
            models.Index(fields=["due_date"], name="component_due_date_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def customized(self) -> bool:
        return self.deviation_count > 0

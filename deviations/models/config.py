from __future__ import annotations

from django.conf import settings
from django.db import models

from deviations.vocabulary import CommitRead, ImportRunStatus, Origin


class ConfigCommit(models.Model):
    """A commit of the Azure Linux config repository (provenance of deviations)."""

    sha = models.CharField(max_length=40, unique=True)
    author_name = models.CharField(max_length=255)
    author_email = models.CharField(max_length=255)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField()
    subject = models.CharField(max_length=1000)
    # The record through time (filled by the history replay of an import from git):
    # the commit's index on the first-parent line imported (0 = the root commit), null
    # for a commit the replay did not reach or that is no longer on that line.
    position = models.PositiveIntegerField(null=True, blank=True, unique=True)
    body = models.TextField(blank=True)  # the message after the subject
    paths = models.TextField(blank=True)  # the files it changed, one per line
    read = models.CharField(max_length=16, choices=CommitRead.choices, blank=True)
    # The record's counts right after this commit (deviations by kind, customized
    # components, documented, overlays by category and upstream status): the trends.
    tally = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-committed_at"]
        indexes = [models.Index(fields=["author_email"], name="configcommit_author_idx")]

    def __str__(self) -> str:
        return f"{self.sha[:12]} {self.subject}"


class ImportRun(models.Model):
    """One import of the config that changed something (a no-op import writes nothing)."""

    Status = ImportRunStatus  # the vocabulary, as `ImportRun.Status` too

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=1000)
    ref = models.CharField(max_length=255, blank=True)
    commit = models.ForeignKey(
        ConfigCommit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ImportRunStatus.choices, default=ImportRunStatus.RUNNING
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.COMMAND)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import #{self.pk} of {self.source}"

    @classmethod
    def latest(cls) -> ImportRun | None:
        """The run whose config the records describe (the sync reads its tree)."""
        return cls.objects.order_by("-started_at", "-pk").first()

    @staticmethod
    def place(source: str, git_dir: str = "", commit: str = "") -> dict[str, str]:
        """Where a config is read from: a repository (read at a commit) or a folder."""
        return {"git_dir": git_dir} if git_dir and commit else {"folder": source}

    @property
    def location(self) -> dict[str, str]:
        """Where this run read the config from (see `place`)."""
        summary = self.summary or {}
        return self.place(self.source, summary.get("git_dir") or "", summary.get("commit") or "")

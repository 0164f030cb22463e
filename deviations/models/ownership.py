"""Who owns a deviation or a component, until when it may stay, and what the team has
acknowledged (drift, a failure or no-op at the tip, an obsolete flag, a suggestion) until
a date.

An owner is a row of its own (`Owner`), so a team can own things later without changing
the deviations: today every owner is a user's.  A deviation's or component's owner and due
date each say where they came from (`AssignedBy`): the config proposes (the import reads
metadata and `Owner:` / `Remove by:` comment lines, `proposed_*` keeps what it read), the
app's value wins once a reviewer or admin sets it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import AcknowledgedSubject, AcknowledgementState, AssignedBy


class Owner(models.Model):
    """Who can own deviations and components: a user now (a team later, by `name` alone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owner",
    )
    name = models.CharField(max_length=255)  # what pages show: the username, or a team's name
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Owned(models.Model):
    """An owner and a due date, each with where it came from (fields of Deviation and
    Component).  Columns carry database defaults: the import writes its rows by raw INSERT
    naming only its own columns."""

    owner = models.ForeignKey(
        Owner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_%(class)ss",
    )
    owner_source = models.CharField(
        max_length=8, blank=True, choices=AssignedBy.choices, default="", db_default=""
    )
    due_date = models.DateField(null=True, blank=True)
    due_date_source = models.CharField(
        max_length=8, blank=True, choices=AssignedBy.choices, default="", db_default=""
    )
    # What the config proposes, as the last import read it ("" / None: nothing).
    proposed_owner = models.CharField(max_length=255, blank=True, default="", db_default="")
    proposed_due_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class Acknowledgement(models.Model):
    """A decision to live with something until a date, for a reason.

    It holds while today is before `expires_on` and its basis (what was true when it was
    made: the tip commit, the upstream version, the verdict, the content) still is; then
    the item needs attention again by itself (reads compute it; `manage.py expire`
    records it).  `state` is what was recorded: active until replaced, withdrawn, or
    recorded expired or lapsed.
    """

    subject = models.CharField(max_length=16, choices=AcknowledgedSubject.choices)
    component = models.ForeignKey(
        "Component", on_delete=models.PROTECT, related_name="acknowledgements"
    )
    deviation = models.ForeignKey(
        "Deviation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    suggestion = models.ForeignKey(
        "UpstreamSuggestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    reason = models.TextField()
    expires_on = models.DateField()  # the item returns on this day
    # The basis, as columns so counts compare it in SQL ("" where a subject has none).
    basis_pin_commit = models.CharField(max_length=40, blank=True)
    basis_tip_commit = models.CharField(max_length=40, blank=True)
    basis_upstream_version = models.CharField(max_length=255, blank=True)
    basis_verdict = models.CharField(max_length=16, blank=True)
    basis_fingerprint = models.CharField(max_length=64, blank=True)  # the deviation's content
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=16,
        choices=AcknowledgementState.choices,
        default=AcknowledgementState.ACTIVE,
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "state"], name="ack_subject_state_idx"),
            models.Index(fields=["state", "expires_on"], name="ack_state_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject=AcknowledgedSubject.DRIFT.value, deviation__isnull=True)
                | (
                    ~models.Q(subject=AcknowledgedSubject.DRIFT.value)
                    & models.Q(deviation__isnull=False)
                ),
                name="ack_drift_is_a_component_s",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    subject=AcknowledgedSubject.SUGGESTION.value, suggestion__isnull=False
                )
                | (
                    ~models.Q(subject=AcknowledgedSubject.SUGGESTION.value)
                    & models.Q(suggestion__isnull=True)
                ),
                name="ack_suggestion_names_one",
            ),
        ]

    def __str__(self) -> str:
        target = f"deviation #{self.deviation_id}" if self.deviation_id else "component"
        return f"acknowledgement #{self.pk} ({self.subject}, {target})"

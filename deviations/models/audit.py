from django.conf import settings
from django.db import models
from django.utils import timezone

from deviations.vocabulary import AuditAction, Origin


class AuditEvent(models.Model):
    """An append-only, hash-chained record of one change.

    `seq` orders the chain; `hash` covers the event's canonical serialization
    and the previous event's hash, so an edited, removed or reordered event is
    detected by `manage.py verify_audit`.  Written only through
    `deviations.domain.audit`; a database trigger refuses UPDATE and DELETE.
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Users are deactivated, never deleted, so PROTECT keeps the trail intact.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=255)  # username, or "import #3", "sync #7"
    origin = models.CharField(max_length=16, choices=Origin.choices)
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=500, blank=True)
    component_name = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="auditevent_object_idx"),
            models.Index(fields=["component_name", "-seq"], name="auditevent_component_idx"),
            models.Index(fields=["action"], name="auditevent_action_idx"),
            models.Index(fields=["actor_label"], name="auditevent_actor_idx"),
            models.Index(fields=["created_at"], name="auditevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """The chain's newest position; locked by writers so the chain cannot fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            # One chain, one head: writers lock and move the row with id 1.
            models.CheckConstraint(condition=models.Q(id=1), name="auditchainhead_single_row"),
        ]

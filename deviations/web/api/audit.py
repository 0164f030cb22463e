"""The audit trail: every event, newest first, filtered like the audit log page.

Each event carries its `prev_hash` and `hash`, so a client can re-check the
chain (see deviations.domain.audit for the canonical form the hash covers).
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from deviations.domain import audit
from deviations.models import AuditEvent
from deviations.reads import queries
from deviations.reads.filters import AuditEventFilter
from deviations.web.api.base import CREATED_AT_ANSWERED, ReadViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = list(audit.EVENT_FIELDS)
        extra_kwargs = CREATED_AT_ANSWERED


class AuditEventViewSet(ReadViewSet):
    """Every audit event, newest first, filtered like the audit log page."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    lookup_field = "seq"
    lookup_url_kwarg = "pk"  # the URL's id is the event's place in the chain
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return queries.audit_rows()

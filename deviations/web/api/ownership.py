"""Owners, due dates and acknowledgements in the API.

- the fields every deviation and component shows (`OWNERSHIP_FIELDS`: owner, due date,
  where each came from, what the config proposes, overdue, acknowledged until and why);
- `POST /api/deviations/{id}/ownership/` and `/api/components/{name}/ownership/`: set the
  owner and/or due date (the fields sent; null clears);
- `GET|POST /api/deviations/{id}/acknowledgements/` and `/api/components/{name}/
  acknowledgements/`: its acknowledgements, or a new one;
- `/api/acknowledgements/`: every acknowledgement (filtered as the export), and
  `POST /api/acknowledgements/{id}/withdraw/`.

Who may write: reviewers and admins (deviations.domain.permissions, as on the pages).
Whether an acknowledgement holds is computed when read, for today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from deviations.domain import ownership, permissions
from deviations.models import Acknowledgement, Component, Deviation, UpstreamSuggestion
from deviations.reads import ownership as reads
from deviations.reads.filters import AcknowledgementFilter
from deviations.vocabulary import AcknowledgedSubject, AcknowledgementState, AssignedBy
from deviations.web.api.base import ReadViewSet, actor_for, field_error, write_schema

STEWARDS = "Only reviewers and admins"

# The ownership fields of a deviation's and a component's serializer, in this order.
OWNERSHIP_FIELDS = [
    "owner",
    "owner_source",
    "proposed_owner",
    "due_date",
    "due_date_source",
    "proposed_due_date",
    "overdue",
    "acknowledged_until",
    "acknowledgement_reason",
]


def _held(obj: Deviation | Component) -> list[Acknowledgement]:
    """What `reads.ownership.with_acknowledgements` prefetched (one query a page)."""
    found = getattr(obj, "held_acknowledgements", None)
    if found is None:  # a record loaded without the prefetch: ask (one query)
        found = list(reads.held_acknowledgements_of(obj))
    return list(found)


class OwnershipFields(serializers.Serializer):
    """Mixed into the deviation and component serializers."""

    owner = serializers.CharField(
        source="owner.name", default=None, allow_null=True, read_only=True,
        help_text="who owns it (a user's name; null: nobody)",
    )  # fmt: skip
    owner_source = serializers.ChoiceField(
        choices=[("", "none"), *AssignedBy.choices],
        read_only=True,
        help_text="where the owner came from: config (proposed on import) or app (set in azldrift)",
    )
    proposed_owner = serializers.CharField(
        read_only=True, help_text="what the config proposes as owner, as written ('' none)"
    )
    due_date = serializers.DateField(read_only=True, allow_null=True)
    due_date_source = serializers.ChoiceField(
        choices=[("", "none"), *AssignedBy.choices], read_only=True
    )
    proposed_due_date = serializers.DateField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    acknowledged_until = serializers.SerializerMethodField()
    acknowledgement_reason = serializers.SerializerMethodField()

    def get_overdue(self, obj: Deviation | Component) -> bool:
        """Past its due date and still in the config (computed for today)."""
        return bool(obj.due_date and obj.due_date < ownership.today() and not obj.removed)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_acknowledged_until(self, obj: Deviation | Component) -> dt.date | None:
        """The soonest expiry among what holds acknowledged today (for a component: its
        drift); null: nothing."""
        held = _held(obj)
        return min(a.expires_on for a in held) if held else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_acknowledgement_reason(self, obj: Deviation | Component) -> str | None:
        """The reasons of what holds acknowledged, each after its subject, one a line."""
        held = _held(obj)
        return "\n".join(f"{a.subject}: {a.reason}" for a in held) if held else None


class AcknowledgementSerializer(serializers.ModelSerializer):
    component = serializers.CharField(source="component.name", read_only=True)
    deviation = serializers.IntegerField(source="deviation_id", allow_null=True, read_only=True)
    suggestion = serializers.IntegerField(source="suggestion_id", allow_null=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    state_today = serializers.SerializerMethodField()

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "subject",
            "component",
            "deviation",
            "suggestion",
            "reason",
            "expires_on",
            "created_by",
            "created_at",
            "state",
            "state_today",
            "ended_at",
            "basis_pin_commit",
            "basis_tip_commit",
            "basis_upstream_version",
            "basis_verdict",
            "basis_fingerprint",
        ]
        extra_kwargs = {"created_at": {"required": True}}

    @extend_schema_field(serializers.ChoiceField(choices=AcknowledgementState.choices))
    def get_state_today(self, ack: Acknowledgement) -> str:
        """Its state computed for today: active, expired, basis-changed, replaced, withdrawn."""
        return str(getattr(ack, "state_now", None) or ownership.state_of(ack))


class OwnershipInput(serializers.Serializer):
    owner = serializers.CharField(
        required=False, allow_null=True, max_length=150,
        help_text="a username; null: nobody; leave out to keep",
    )  # fmt: skip
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="null: none; leave out to keep"
    )


class OwnershipAnswer(serializers.Serializer):
    owner = serializers.CharField(allow_null=True)
    owner_source = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    due_date_source = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField())


class AcknowledgementInput(serializers.Serializer):
    subject = serializers.ChoiceField(choices=AcknowledgedSubject.choices)
    reason = serializers.CharField(max_length=ownership.MAX_REASON)
    expires_on = serializers.DateField(help_text="the day it returns; after today, within a year")
    suggestion = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
        help_text="for subject suggestion: one of the deviation's open suggestions",
    )  # fmt: skip


def _set_ownership(request: Request, target: Deviation | Component) -> Response:
    permissions.require(permissions.ownership_refusal(request.user, target))
    form = OwnershipInput(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    actor = actor_for(request)
    changed = []
    try:
        if "owner" in data:
            user = None
            if data["owner"]:
                user = User.objects.filter(username=data["owner"], is_active=True).first()
                if user is None:
                    raise field_error(f"There is no active account {data['owner']!r}.", "owner")
            if ownership.set_owner(actor, target, user):
                changed.append("owner")
        if "due_date" in data and ownership.set_due_date(actor, target, data["due_date"]):
            changed.append("due_date")
    except ownership.OwnershipError as error:
        raise field_error(str(error), error.field) from None
    target.refresh_from_db()
    answer = {
        "owner": target.owner.name if target.owner else None,
        "owner_source": target.owner_source,
        "due_date": target.due_date,
        "due_date_source": target.due_date_source,
        "changed": changed,
    }
    return Response(OwnershipAnswer(answer).data)


def _acknowledgements(request: Request, target: Deviation | Component) -> Response:
    if request.method == "GET":
        rows = (
            reads.acknowledgements_of(target)
            if isinstance(target, Component)
            else reads.acknowledgements_of(target.component)
        )
        if isinstance(target, Deviation):
            rows = [a for a in rows if a.deviation_id == target.pk]
        else:
            rows = [a for a in rows if a.deviation_id is None]
        return Response(AcknowledgementSerializer(rows, many=True).data)
    permissions.require(permissions.acknowledgement_refusal(request.user, target))
    form = AcknowledgementInput(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    suggestion = None
    if data.get("suggestion") is not None:
        suggestion = UpstreamSuggestion.objects.filter(pk=data["suggestion"]).first()
        if suggestion is None:
            raise field_error("No such suggestion.", "suggestion")
    try:
        ack = ownership.acknowledge(
            actor_for(request),
            data["subject"],
            target,
            reason=data["reason"],
            expires_on=data["expires_on"],
            suggestion=suggestion,
        )
    except ownership.OwnershipError as error:
        raise field_error(str(error), error.field) from None
    return Response(AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED)


_SET = extend_schema(
    request=OwnershipInput,
    responses={
        200: OwnershipAnswer,
        400: OpenApiResponse(description="invalid input (field errors)"),
        403: OpenApiResponse(description=STEWARDS),
        404: OpenApiResponse(description="not found"),
    },
)
_LIST = extend_schema(methods=["GET"], responses={200: AcknowledgementSerializer(many=True)})
_ADD = write_schema(
    AcknowledgementInput,
    AcknowledgementSerializer,
    refused=STEWARDS,
    missing="not found",
    invalid="invalid input, or nothing of the kind to acknowledge",
    methods=["POST"],
)
_ACTION: dict[str, Any] = {"pagination_class": None, "filter_backends": []}


class DeviationOwnership(GenericAPIView[Deviation]):
    """`/api/deviations/{id}/ownership/` and `.../acknowledgements/`: actions of the
    deviations' viewset."""

    @_SET
    @action(detail=True, methods=["post"], serializer_class=OwnershipInput, **_ACTION)
    def ownership(self, request: Request, pk: int) -> Response:
        """Set the deviation's owner and/or due date (the fields sent)."""
        return _set_ownership(request, self.get_object())

    @_LIST
    @_ADD
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=AcknowledgementInput,
        **_ACTION,
    )
    def acknowledgements(self, request: Request, pk: int) -> Response:
        """The deviation's acknowledgements (GET), or a new one (POST)."""
        return _acknowledgements(request, self.get_object())


class ComponentOwnership(GenericAPIView[Component]):
    """`/api/components/{name}/ownership/` and `.../acknowledgements/` (drift)."""

    @_SET
    @action(detail=True, methods=["post"], serializer_class=OwnershipInput, **_ACTION)
    def ownership(self, request: Request, name: str) -> Response:
        """Set the component's owner and/or due date (the fields sent)."""
        return _set_ownership(request, self.get_object())

    @_LIST
    @_ADD
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=AcknowledgementInput,
        **_ACTION,
    )
    def acknowledgements(self, request: Request, name: str) -> Response:
        """The component's own acknowledgements (drift; GET), or a new one (POST)."""
        return _acknowledgements(request, self.get_object())


class AcknowledgementViewSet(ReadViewSet):
    """Every acknowledgement, newest first, filtered as the acknowledgements export."""

    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilter
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Acknowledgement]:
        return reads.acknowledgement_rows()

    def paginate_queryset(self, queryset: Any) -> Any:
        # The page's states for today, in one query rather than one a row.
        page = super().paginate_queryset(queryset)
        return reads.with_states(list(page)) if page is not None else None

    @extend_schema(
        request=None,
        responses={
            200: AcknowledgementSerializer,
            403: OpenApiResponse(description=STEWARDS),
            404: OpenApiResponse(description="no such acknowledgement"),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=serializers.Serializer)
    def withdraw(self, request: Request, pk: int) -> Response:
        """End an acknowledgement before its date (the item needs attention again)."""
        # Say "not found" only to someone who could withdraw one at all.
        permissions.require(permissions.can_steward(request.user), f"{STEWARDS} withdraw.")
        ack = self.get_object()
        ownership.withdraw(actor_for(request), ack)
        ack.refresh_from_db()
        return Response(AcknowledgementSerializer(ack).data)

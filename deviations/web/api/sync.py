"""Sync runs: their history and progress, and starting one (admins)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from deviations.domain import permissions
from deviations.domain.sync.service import (
    SyncAlreadyRunning,
    SyncError,
    requested,
    start_sync_in_background,
)
from deviations.models import SyncRun, SyncRunIssue
from deviations.reads import queries
from deviations.vocabulary import Origin, SyncRunStatus, SyncTrigger
from deviations.web.api.base import (
    CREATED_AT_ANSWERED,
    Conflict,
    ReadViewSet,
    actor_for,
    field_error,
)
from deviations.web.syncsources import shown_options, shown_text

ISSUES_SHOWN = 100


class SyncRunSerializer(serializers.ModelSerializer):
    """A run; its `options` name where an override fetched from, and the process that
    ran it, to admins only (deviations.web.syncsources): others read "overridden"."""

    triggered_by = serializers.CharField(
        source="triggered_by.get_username", allow_null=True, default=None, read_only=True
    )

    def to_representation(self, instance: SyncRun) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        data["options"] = shown_options(instance.options, user)
        data["message"] = shown_text(instance.message, instance.options, user)
        return data

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "status",
            "trigger",
            "triggered_by",
            "options",
            "engine_version",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "total",
            "done",
            "changed",
            "skipped",
            "errors",
            "message",
        ]
        extra_kwargs = CREATED_AT_ANSWERED


class IssueSerializer(serializers.ModelSerializer):
    def to_representation(self, instance: SyncRunIssue) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        data["message"] = shown_text(instance.message, self.context.get("run_options"), user)
        return data

    class Meta:
        model = SyncRunIssue
        fields = ["component_name", "kind", "message", "created_at"]
        extra_kwargs = CREATED_AT_ANSWERED


class SyncRunDetailSerializer(SyncRunSerializer):
    issues = serializers.SerializerMethodField()

    @extend_schema_field(IssueSerializer(many=True))
    def get_issues(self, run: SyncRun) -> list[dict[str, Any]]:
        context = {**self.context, "run_options": run.options}
        shown = getattr(run, "issues_shown", [])  # the detail queryset's prefetch
        return list(IssueSerializer(shown, many=True, context=context).data)

    class Meta(SyncRunSerializer.Meta):
        fields = [*SyncRunSerializer.Meta.fields, "issues"]


class SyncRunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SyncRunStatus.choices)

    class Meta:
        model = SyncRun
        fields = ["status"]


class StartInput(serializers.Serializer):
    components = serializers.ListField(
        child=serializers.CharField(max_length=255),
        required=False,
        max_length=10_000,
        help_text="Component names; all current components when left out.",
    )


class SyncRunViewSet(ReadViewSet):
    """Every sync run, newest first; the detail has its first per-component errors."""

    filterset_class = SyncRunFilter
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[SyncRun]:
        if not self.detail:
            return queries.sync_runs()
        # The first issues in queries.run_issues' order.
        shown = SyncRunIssue.objects.order_by("component_name", "id")[:ISSUES_SHOWN]
        return queries.sync_runs().prefetch_related(
            Prefetch("issues", queryset=shown, to_attr="issues_shown")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return StartInput
        return SyncRunDetailSerializer if self.detail else SyncRunSerializer

    @extend_schema(
        request=StartInput,
        responses={
            202: SyncRunSerializer,
            400: OpenApiResponse(description="unknown components"),
            403: OpenApiResponse(description="only admins start syncs"),
            409: OpenApiResponse(description="a sync is already running"),
        },
        summary="Start a sync (admins); answers as soon as its run exists",
    )
    def create(self, request: Request) -> Response:
        permissions.require(permissions.can_start_sync(request.user), "Only admins start syncs.")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        names = form.validated_data.get("components", [])
        sync_request = requested(
            names, trigger=SyncTrigger.API, origin=Origin.API, user=actor_for(request).user
        )
        try:
            run = start_sync_in_background(sync_request)
        except SyncAlreadyRunning as error:
            raise Conflict(str(error)) from None
        except SyncError as error:
            raise field_error(str(error), "components") from None
        data = None
        if run is not None:
            data = SyncRunSerializer(queries.sync_run(run.pk), context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

"""Sync runs: their history and progress, and starting one (admins)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from deviations.domain import permissions
from deviations.domain.sync.service import (
    SyncAlreadyRunning,
    SyncError,
    requested,
    start_sync_in_background,
)
from deviations.models import Origin, SyncRun, SyncRunIssue
from deviations.reads import queries
from deviations.web.api.base import Conflict, ReadViewSet, actor_for, field_error, validated

ISSUES_SHOWN = 100


class SyncRunSerializer(serializers.ModelSerializer):
    triggered_by = serializers.CharField(
        source="triggered_by.get_username", allow_null=True, default=None, read_only=True
    )

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


class IssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRunIssue
        fields = ["component_name", "kind", "message", "created_at"]


class SyncRunDetailSerializer(SyncRunSerializer):
    issues = serializers.SerializerMethodField()

    class Meta(SyncRunSerializer.Meta):
        fields = [*SyncRunSerializer.Meta.fields, "issues"]

    def get_issues(self, run: SyncRun) -> list[dict]:
        shown = queries.run_issues(run)[:ISSUES_SHOWN]
        return IssueSerializer(shown, many=True).data


class SyncRunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SyncRun.Status.choices)

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

    serializer_class = SyncRunSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SyncRunFilter

    def get_queryset(self):
        return queries.sync_runs()

    def get_serializer_class(self):
        if self.action == "create":
            return StartInput
        return SyncRunDetailSerializer if self.action == "retrieve" else SyncRunSerializer

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
    def create(self, request):
        permissions.require(permissions.can_start_sync(request.user), "Only admins start syncs.")
        names = validated(StartInput, request).get("components", [])
        sync_request = requested(
            names, trigger="api", origin=Origin.API, user=actor_for(request).user
        )
        try:
            run = start_sync_in_background(sync_request)
        except SyncAlreadyRunning as error:
            raise Conflict(str(error)) from None
        except SyncError as error:
            raise field_error(str(error), "components") from None
        data = SyncRunSerializer(queries.sync_run(run.pk)).data if run else None
        return Response(data, status=status.HTTP_202_ACCEPTED)

"""Deviations with their verdicts, and (one at a time) their content, diffs and history."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from deviations.models import ConfigCommit, Deviation, DeviationVersion, OverlayResult
from deviations.reads import queries
from deviations.reads.filters import DeviationFilter
from deviations.web.api.base import ReadViewSet, object_id
from deviations.web.api.notes import NoteSerializer
from deviations.web.api.reviews import ReviewSerializer


class CommitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConfigCommit
        fields = ["sha", "author_name", "author_email", "authored_at", "committed_at", "subject"]


class DeviationSerializer(serializers.ModelSerializer):
    component = serializers.CharField(source="component.name")
    introduced_commit = CommitSerializer(allow_null=True)
    changed_commit = CommitSerializer(allow_null=True)

    class Meta:
        model = Deviation
        fields = [
            "id",
            "component",
            "key",
            "kind",
            "position",
            "overlay_type",
            "category",
            "upstream_status",
            "description",
            "fingerprint",
            "config_file",
            "line_start",
            "line_end",
            "introduced_commit",
            "changed_commit",
            "review_state",
            "review_state_changed_at",
            "effect_hash",
            "verdict_at_pin",
            "verdict_at_tip",
            "obsolete",
            "removed",
            "removed_at",
            "updated_at",
        ]


class VersionSerializer(serializers.ModelSerializer):
    commit = serializers.CharField(source="commit.sha", allow_null=True, default=None)

    class Meta:
        model = DeviationVersion
        fields = [
            "number",
            "content",
            "description",
            "metadata",
            "comment",
            "reason",
            "config_file",
            "line_start",
            "line_end",
            "fingerprint",
            "commit",
            "created_at",
        ]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = OverlayResult
        fields = [
            "target",
            "upstream_commit",
            "verdict",
            "message",
            "diff",
            "effect_hash",
            "archive_sha256",
        ]


class DeviationDetailSerializer(DeviationSerializer):
    """One deviation: its current content, verdicts and own diffs at pin and tip, history."""

    obsolete_reason = serializers.CharField()
    version = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()

    class Meta(DeviationSerializer.Meta):
        fields = [
            *DeviationSerializer.Meta.fields,
            "obsolete_reason",
            "version",
            "results",
            "versions",
            "reviews",
            "notes",
        ]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_version(self, deviation):
        # From the page's versions (their commits are loaded), not another query.
        current = [v for v in self.context["page"].versions if v.pk == deviation.current_version_id]
        return VersionSerializer(current[0]).data if current else None

    @extend_schema_field(ResultSerializer(many=True))
    def get_results(self, deviation):
        page = self.context["page"]
        return ResultSerializer(list(page.results.values()), many=True).data

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, deviation) -> list:
        return VersionSerializer(self.context["page"].versions, many=True).data

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, deviation) -> list:
        return ReviewSerializer(self.context["page"].reviews, many=True).data

    @extend_schema_field(NoteSerializer(many=True))
    def get_notes(self, deviation) -> list:
        return NoteSerializer(self.context["page"].notes, many=True).data


class DeviationViewSet(ReadViewSet):
    """Deviations as the deviation list shows them, filtered with its filters (`sort` orders)."""

    serializer_class = DeviationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeviationFilter

    def get_queryset(self):
        return queries.deviation_rows()

    @extend_schema(responses=DeviationDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        page = queries.deviation_page(object_id(self.kwargs["pk"]))
        serializer = DeviationDetailSerializer(page.deviation, context={"page": page})
        return Response(serializer.data)

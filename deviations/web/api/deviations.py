"""Deviations with their verdicts, and (one at a time) their content, diffs and history.

A deviation's reviews and notes are its sub-resources: `POST .../{id}/reviews/`
(deviations.web.api.reviews) and `.../{id}/notes/` (deviations.web.api.notes); so are its
owner, due date and acknowledgements (`.../{id}/ownership/`, `.../{id}/acknowledgements/`:
deviations.web.api.ownership).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deviations.models import (
    ConfigCommit,
    Deviation,
    DeviationLife,
    DeviationLink,
    DeviationVersion,
    JustificationNote,
    NoteVersion,
    OverlayResult,
    Review,
)
from deviations.reads import queries, severity
from deviations.reads.filters import DeviationFilter
from deviations.reads.ownership import with_acknowledgements
from deviations.vocabulary import Severity
from deviations.web.api.base import CREATED_AT_ANSWERED, ReadViewSet
from deviations.web.api.notes import DeviationNotes, NoteSerializer
from deviations.web.api.ownership import OWNERSHIP_FIELDS, DeviationOwnership, OwnershipFields
from deviations.web.api.reviews import DecideOnDeviation, ReviewSerializer


class CommitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConfigCommit
        fields = ["sha", "author_name", "author_email", "authored_at", "committed_at", "subject"]


class LifeSerializer(serializers.ModelSerializer):
    """An earlier run of the deviation in the config (oldest first), ended by `removed_commit`."""

    introduced_commit = CommitSerializer()
    changed_commit = CommitSerializer()
    removed_commit = CommitSerializer()

    class Meta:
        model = DeviationLife
        fields = ["number", "introduced_commit", "changed_commit", "removed_commit"]


class UpstreamLinkSerializer(serializers.Serializer):
    """One upstream link of a deviation, with its live state and open suggestion."""

    url = serializers.CharField(source="link.url")
    service = serializers.CharField(source="link.service")
    kind = serializers.CharField(source="link.kind")
    found_in = serializers.CharField(
        source="source",
        help_text="where the deviation writes it: metadata-commits, metadata-bugs, "
        "description, comment or reason",
    )
    state = serializers.CharField(
        source="link.state", help_text="open, fixed, merged, closed, present, not-found; '' unknown"
    )
    checked_at = serializers.DateTimeField(source="link.checked_at", allow_null=True)
    suggestion = serializers.SerializerMethodField()
    error = serializers.CharField(source="link.error")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_suggestion(self, use: DeviationLink) -> str | None:
        for suggestion in queries.open_suggestions(use.deviation):
            if suggestion.link_id == use.link_id:
                return suggestion.kind
        return None


class DeviationSerializer(OwnershipFields, serializers.ModelSerializer):
    component = serializers.CharField(source="component.name")
    upstream_links = UpstreamLinkSerializer(many=True, read_only=True)
    suggested_upstream_status = serializers.SerializerMethodField()
    introduced_commit = CommitSerializer(allow_null=True)
    changed_commit = CommitSerializer(allow_null=True)
    severity = serializers.SerializerMethodField(
        help_text="its most urgent severity (ok when none): what orders it in a list"
    )
    severities = serializers.SerializerMethodField(
        help_text="every severity it is in, most urgent first (['ok'] when none)"
    )

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
            "upstream_links",
            "suggested_upstream_status",
            "severity",
            "severities",
            "documented",
            "label",
            *OWNERSHIP_FIELDS,
        ]
        extra_kwargs = {
            "documented": {
                "help_text": "it has a description, a TOML comment, a reason field or metadata"
            },
            "label": {
                "help_text": "an overlay's type and parameters, what lists show when it has no "
                "description ('' for other kinds)"
            },
        }

    @extend_schema_field(serializers.ChoiceField(choices=Severity.choices))
    def get_severity(self, deviation: Deviation) -> str:
        return severity.of_deviation(deviation)[0]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Severity.choices)))
    def get_severities(self, deviation: Deviation) -> list[str]:
        return list(severity.of_deviation(deviation))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_suggested_upstream_status(self, deviation: Deviation) -> list[str]:
        """The kinds of its open upstream suggestions (upstreamed, reconsider, obsolete)."""
        return sorted({s.kind for s in queries.open_suggestions(deviation)})


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
        extra_kwargs = CREATED_AT_ANSWERED


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

    # Every field reads DeviationViewSet's detail queryset (joins and prefetches).
    obsolete_reason = serializers.CharField()
    version = VersionSerializer(source="current_version", read_only=True, allow_null=True)
    results = ResultSerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    earlier_lives = LifeSerializer(many=True, read_only=True)  # runs before this one
    reviews = ReviewSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)

    class Meta(DeviationSerializer.Meta):
        fields = [
            *DeviationSerializer.Meta.fields,
            "obsolete_reason",
            "version",
            "results",
            "versions",
            "reviews",
            "notes",
            "earlier_lives",
        ]


def _one_deviation() -> QuerySet[Deviation]:
    """A deviation with all its detail shows: 7 queries, however long its history."""
    note_versions = NoteVersion.objects.select_related("author").order_by("-number")
    return Deviation.objects.select_related(
        "component", "introduced_commit", "changed_commit", "current_version__commit"
    ).prefetch_related(
        Prefetch("results", queryset=OverlayResult.objects.order_by("target")),
        Prefetch(
            "versions",
            queryset=DeviationVersion.objects.select_related("commit").order_by("-number"),
        ),
        Prefetch(
            "earlier_lives",
            queryset=DeviationLife.objects.select_related(
                "introduced_commit", "changed_commit", "removed_commit"
            ).order_by("number"),
        ),
        Prefetch(
            "reviews",
            queryset=Review.objects.select_related("reviewer", "version")
            .defer("effect_diff")
            .order_by("-created_at"),
        ),
        Prefetch(
            "notes",
            queryset=JustificationNote.objects.select_related("author")
            .prefetch_related(Prefetch("versions", queryset=note_versions))
            .order_by("created_at", "pk"),
        ),
    )


class DeviationViewSet(DecideOnDeviation, DeviationNotes, DeviationOwnership, ReadViewSet):
    """Deviations as the deviation list shows them, filtered with its filters (`sort` orders)."""

    serializer_class = DeviationSerializer  # the list's; actions name their own input
    filterset_class = DeviationFilter
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Deviation]:
        if self.action == "retrieve":
            return with_acknowledgements(queries.with_upstream_links(_one_deviation()))
        if self.action == "list":
            return with_acknowledgements(queries.with_upstream_links(queries.deviation_rows()))
        return queries.deviation_rows()  # the actions (reviews, notes, ...) show no links

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return DeviationDetailSerializer if self.action == "retrieve" else self.serializer_class

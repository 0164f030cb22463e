"""Components, their sync state and drift: `/api/components/`, `/api/drift/`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Manager, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deviations.models import Component, ComponentSync, DriftCommit
from deviations.reads import queries, severity
from deviations.reads.filters import ComponentFilter
from deviations.reads.ownership import with_acknowledgements
from deviations.vocabulary import Severity
from deviations.web.api.base import ReadViewSet
from deviations.web.api.ownership import OWNERSHIP_FIELDS, ComponentOwnership, OwnershipFields


class SyncStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComponentSync
        fields = [
            "branch",
            "pinned_commit",
            "pinned_at",
            "tip_commit",
            "tip_at",
            "commits_behind",
            *ComponentSync.OUTCOME_FIELDS,
            "synced_at",
            "run",
        ]


class ComponentSerializer(OwnershipFields, serializers.ModelSerializer):
    sync = SyncStateSerializer(read_only=True, allow_null=True)
    deviations_by_kind = serializers.SerializerMethodField()
    review_states = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text="its most urgent current deviation's severity, or sync-problem when its "
        "sync or render failed and that is worse (ok when nothing needs anyone)"
    )
    undocumented = serializers.SerializerMethodField(
        help_text="how many of its current deviations have no description, TOML comment, "
        "reason field or metadata"
    )
    upstream_project = serializers.CharField(
        source="upstream_release.project",
        default=None,
        allow_null=True,
        help_text="the upstream project Anitya maps the Fedora package to",
    )
    upstream_latest_version = serializers.CharField(
        source="upstream_release.latest_version",
        default=None,
        allow_null=True,
        help_text="the upstream project's latest stable release (Anitya)",
    )
    upstream_newer_than_fedora = serializers.BooleanField(
        source="upstream_release.newer_than_fedora",
        default=None,
        allow_null=True,
        help_text="the latest release is newer than Fedora's version at the branch tip",
    )

    class Meta:
        model = Component
        fields = [
            "name",
            "spec_type",
            "distro",
            "distro_version",
            "upstream_name",
            "dist_git_url",
            "dist_git_branch",
            "snapshot",
            "snapshot_at",
            "upstream_commit",
            "local_spec_path",
            "groups",
            "config_file",
            "config_line",
            "fingerprint",
            "deviation_count",
            "deviations_by_kind",
            "review_states",
            "removed",
            "removed_at",
            "updated_at",
            "sync",
            "upstream_project",
            "upstream_latest_version",
            "upstream_newer_than_fedora",
            "status",
            "undocumented",
            *OWNERSHIP_FIELDS,
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Severity.choices))
    def get_status(self, component: Component) -> str:
        found = queries.current_deviations(component)
        return severity.status(severity.sync_of(component), found)

    @extend_schema_field(serializers.IntegerField())
    def get_undocumented(self, component: Component) -> int:
        return sum(not d.documented for d in queries.current_deviations(component))

    # `current_deviations` is queries.component_rows()'s prefetch (no query per component).
    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_deviations_by_kind(self, component: Component) -> dict[str, int]:
        return dict(sorted(Counter(d.kind for d in queries.current_deviations(component)).items()))

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_review_states(self, component: Component) -> dict[str, int]:
        return dict(
            sorted(Counter(d.review_state for d in queries.current_deviations(component)).items())
        )


class ComponentViewSet(ComponentOwnership, ReadViewSet):
    """Components as the component list shows them, filtered with its filters."""

    serializer_class = ComponentSerializer
    filterset_class = ComponentFilter
    lookup_field = "name"
    lookup_value_converter = "component_name"

    def get_queryset(self) -> QuerySet[Component]:
        if self.action in ("list", "retrieve"):
            return with_acknowledgements(queries.component_rows())
        return queries.component_rows()


# --- drift ---------------------------------------------------------------------------------


class DriftCommitSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriftCommit
        fields = ["position", "sha", "committed_at", "author", "subject"]


class SyncsOfComponents(serializers.ListSerializer):
    """The drift list's rows are components (the component list's FilterSet filters and
    orders them); each row shows the component's sync, loaded with it."""

    def to_representation(self, data: Manager[Any] | Iterable[Any]) -> list[Any]:
        rows = data.all() if isinstance(data, Manager) else data
        return super().to_representation([component.sync for component in rows])


class DriftSerializer(serializers.ModelSerializer):
    """A component's drift: how far its branch moved past the pin, and what that breaks."""

    component = serializers.CharField(source="component.name")

    class Meta:
        model = ComponentSync
        fields = ["component", *SyncStateSerializer.Meta.fields]
        list_serializer_class = SyncsOfComponents


class DriftDetailSerializer(DriftSerializer):
    commits = DriftCommitSerializer(many=True, read_only=True, source="component.drift_shown")
    commits_shown = serializers.SerializerMethodField()

    class Meta(DriftSerializer.Meta):
        fields = [*DriftSerializer.Meta.fields, "commits_shown", "commits"]

    def get_commits_shown(self, state: ComponentSync) -> int:
        return len(queries.drift_shown(state.component))


class DriftViewSet(ReadViewSet):
    """Synced components' drift, filtered with the component list's filters.

    The detail lists the upstream commits after the pin (the first
    `queries.DRIFT_LIMIT`, like the component page).
    """

    filterset_class = ComponentFilter
    lookup_field = "component__name"
    lookup_url_kwarg = "name"
    lookup_value_converter = "component_name"

    def get_queryset(self) -> QuerySet:
        if self.detail:
            shown = DriftCommit.objects.order_by("position")[: queries.DRIFT_LIMIT]
            return (
                ComponentSync.objects.select_related("component")
                .defer("rendered_diff")
                .prefetch_related(
                    Prefetch("component__drift_commits", queryset=shown, to_attr="drift_shown")
                )
            )
        # The component list's rows (their syncs joined), limited to synced ones.
        return queries.component_rows().filter(sync__isnull=False).prefetch_related(None)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return DriftDetailSerializer if self.detail else DriftSerializer

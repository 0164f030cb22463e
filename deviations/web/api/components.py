"""Components, their sync state and drift: `/api/components/`, `/api/drift/`."""

from __future__ import annotations

from collections import Counter

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from deviations.models import Component, ComponentSync, DriftCommit
from deviations.reads import queries
from deviations.reads.filters import ComponentFilter
from deviations.web.api.base import ReadViewSet


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


class ComponentSerializer(serializers.ModelSerializer):
    sync = serializers.SerializerMethodField()
    deviations_by_kind = serializers.SerializerMethodField()
    review_states = serializers.SerializerMethodField()

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
        ]

    @extend_schema_field(SyncStateSerializer(allow_null=True))
    def get_sync(self, component: Component):
        try:
            state = component.sync
        except ComponentSync.DoesNotExist:
            return None
        return SyncStateSerializer(state).data

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_deviations_by_kind(self, component: Component) -> dict[str, int]:
        current = getattr(component, "current_deviations", None)
        if current is None:
            current = component.deviations.filter(removed=False).only("kind", "review_state")
        return dict(sorted(Counter(d.kind for d in current).items()))

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_review_states(self, component: Component) -> dict[str, int]:
        current = getattr(component, "current_deviations", None)
        if current is None:
            current = component.deviations.filter(removed=False).only("kind", "review_state")
        return dict(sorted(Counter(d.review_state for d in current).items()))


def _component(name: str) -> str:
    # A NUL byte cannot be in a name, and PostgreSQL refuses it in a query: 404, not 500.
    if "\x00" in name:
        raise Http404("no such component")
    return name


class ComponentViewSet(ReadViewSet):
    """Components as the component list shows them, filtered with its filters."""

    serializer_class = ComponentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComponentFilter
    lookup_field = "name"
    lookup_url_kwarg = "name"

    def get_queryset(self):
        return queries.component_rows()

    def get_object(self):
        # One component by name, removed or not (the list's filters hide removed ones).
        name = _component(self.kwargs["name"])
        component = self.get_queryset().filter(name=name).first()
        if component is None:
            raise Http404(f"no component named {name!r}")
        self.check_object_permissions(self.request, component)
        return component


# --- drift ---------------------------------------------------------------------------------


class DriftCommitSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriftCommit
        fields = ["position", "sha", "committed_at", "author", "subject"]


class DriftSerializer(serializers.ModelSerializer):
    """A component's drift: how far its branch moved past the pin, and what that breaks."""

    component = serializers.CharField(source="component.name")

    class Meta:
        model = ComponentSync
        fields = ["component", *SyncStateSerializer.Meta.fields]


class DriftDetailSerializer(DriftSerializer):
    commits = serializers.SerializerMethodField()
    commits_shown = serializers.SerializerMethodField()

    class Meta(DriftSerializer.Meta):
        fields = [*DriftSerializer.Meta.fields, "commits_shown", "commits"]

    @extend_schema_field(DriftCommitSerializer(many=True))
    def get_commits(self, state: ComponentSync):
        return DriftCommitSerializer(self.context["commits"], many=True).data

    def get_commits_shown(self, state: ComponentSync) -> int:
        return len(self.context["commits"])


class DriftViewSet(ReadViewSet):
    """Synced components' drift, filtered with the component list's filters.

    The detail lists the upstream commits after the pin (the first
    `queries.DRIFT_LIMIT`, like the component page).
    """

    serializer_class = DriftSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComponentFilter
    lookup_field = "name"
    lookup_url_kwarg = "name"

    def get_queryset(self):
        # The component list's rows, limited to synced ones; the serializer reads the syncs.
        return queries.component_rows().filter(sync__isnull=False)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginate_queryset(queryset)
        states = [component.sync for component in page]
        return self.get_paginated_response(self.get_serializer(states, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        name = _component(self.kwargs["name"])
        state = (
            ComponentSync.objects.select_related("component")
            .defer("rendered_diff")
            .filter(component__name=name)
            .first()
        )
        if state is None:
            raise Http404(f"no synced component named {name!r}")
        commits = list(
            DriftCommit.objects.filter(component_id=state.component_id).order_by("position")[
                : queries.DRIFT_LIMIT
            ]
        )
        serializer = DriftDetailSerializer(state, context={"commits": commits})
        return Response(serializer.data)

    def get_serializer_class(self):
        return DriftDetailSerializer if self.action == "retrieve" else DriftSerializer

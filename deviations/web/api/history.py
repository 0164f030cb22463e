"""`GET /api/changes/?from=A&to=B`: what changed in the config between two points (the
changes page and CSV, as JSON; deviations.reads.history)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deviations.reads import history
from deviations.reads.exports.cells import ExportError
from deviations.reads.exports.past import changes_between
from deviations.vocabulary import HistoryChange


class HistoryPointSerializer(serializers.Serializer):
    commit = serializers.CharField(help_text="The replayed config commit the point names.")
    moment = serializers.DateTimeField(help_text="Review states and decisions as of this time.")


class DeviationFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)


class ResponsibleCommitSerializer(serializers.Serializer):
    sha = serializers.CharField()
    author = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    subject = serializers.CharField(allow_blank=True)
    committed_at = serializers.DateTimeField()


class DeviationChangeSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=HistoryChange.choices)
    component = serializers.CharField()
    deviation_id = serializers.IntegerField(allow_null=True)
    key = serializers.CharField()
    kind = serializers.CharField()
    field_changes = DeviationFieldChangeSerializer(many=True)
    commits = ResponsibleCommitSerializer(many=True)


class ComponentChangeSerializer(serializers.Serializer):
    component = serializers.CharField()
    customized = serializers.BooleanField()
    deviations_before = serializers.IntegerField()
    deviations_after = serializers.IntegerField()
    in_config = serializers.BooleanField()


class DecisionMadeSerializer(serializers.Serializer):
    review_id = serializers.IntegerField()
    deviation_id = serializers.IntegerField()
    decision = serializers.CharField()
    reviewer = serializers.CharField()
    decided_at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


class ChangesSerializer(serializers.Serializer):
    start = HistoryPointSerializer()
    end = HistoryPointSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    deviations = DeviationChangeSerializer(many=True)
    components = ComponentChangeSerializer(many=True)
    reviews = DecisionMadeSerializer(many=True)


def _point(point: history.AsOf) -> dict[str, Any]:
    return {"commit": point.commit.sha, "moment": point.moment}


POINT_HELP = "a date (YYYY-MM-DD, the end of that day in UTC), a config commit or import-N"


class ChangesView(APIView):
    """What changed between two points of the config's history."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description=POINT_HELP),
            OpenApiParameter("to", str, required=True, description=POINT_HELP),
        ],
        responses=ChangesSerializer,
    )
    def get(self, request: Request) -> Response:
        try:
            found = changes_between(request.query_params)
        except ExportError as error:
            raise ValidationError(error.errors or {"from": [str(error)]}) from None
        history.responsible(found, found.deviations)
        data = {
            "start": _point(found.start),
            "end": _point(found.end),
            "counts": found.counts,
            "deviations": [
                {
                    "change": c.change.value,
                    "component": c.component,
                    "deviation_id": c.deviation_id,
                    "key": c.key,
                    "kind": c.kind,
                    "field_changes": [
                        {"field": f, "before": b, "after": a} for f, b, a in c.fields
                    ],
                    "commits": [vars(commit) for commit in c.commits],
                }
                for c in found.deviations
            ],
            "components": [
                {
                    "component": c.name,
                    "customized": c.customized,
                    "deviations_before": c.before,
                    "deviations_after": c.after,
                    "in_config": c.present_after,
                }
                for c in found.components
            ],
            "reviews": [
                {
                    "review_id": r.pk,
                    "deviation_id": r.deviation_id,
                    "decision": r.decision,
                    "reviewer": r.reviewer.get_username(),
                    "decided_at": r.created_at,
                    "comment": r.comment,
                }
                for r in found.reviews
            ],
        }
        return Response(ChangesSerializer(data).data)

"""Review decisions: the history (`/api/reviews/`) and recording one on a deviation.

`POST /api/deviations/{id}/reviews/` calls `reviews.decide`, which checks the
reviewer role and four eyes (deviations.domain.permissions) exactly as the review
page does.  The `fingerprint` and `effect_hash` you read (from
`GET /api/deviations/{id}/`) are required: without them the answer is 400, and
if the deviation changed since, 409 naming what changed (`changed`: content,
effect) with what it is now; nothing is recorded either way.  Approving a deviation
that is broken now (it fails at the pinned upstream commit) needs a `comment`, as on
the review page (400 otherwise; the rule is `reviews.comment_refusal`), and its
`review.approved` event says `despite_failure`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from deviations.domain import permissions, reviews
from deviations.models import Deviation, Review
from deviations.reads import queries
from deviations.reads.filters import ReviewFilter
from deviations.vocabulary import Decision
from deviations.web.api.base import (
    CREATED_AT_ANSWERED,
    Conflict,
    ReadViewSet,
    actor_for,
    field_error,
    write_schema,
)


class ReviewSerializer(serializers.ModelSerializer):
    deviation = serializers.IntegerField(source="deviation_id", read_only=True)
    component = serializers.CharField(source="deviation.component.name", read_only=True)
    reviewer = serializers.CharField(source="reviewer.get_username", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "deviation",
            "component",
            "decision",
            "comment",
            "reviewer",
            "version",
            "fingerprint",
            "effect_hash",
            "created_at",
        ]
        extra_kwargs = CREATED_AT_ANSWERED


class ReviewViewSet(ReadViewSet):
    """Every decision, newest first, filtered like the review history export."""

    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Review]:
        return queries.review_rows()


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=reviews.MAX_COMMENT,
        help_text="Required to request changes or reject, and to approve a deviation that "
        "fails at the pinned upstream commit (`verdict_at_pin` failed: approve despite failure).",
    )
    fingerprint = serializers.CharField(
        max_length=64, help_text="The deviation's fingerprint you reviewed (required)."
    )
    effect_hash = serializers.CharField(
        allow_blank=True,
        max_length=64,
        help_text="The deviation's effect hash you reviewed (required; empty before its "
        "first sync).",
    )


class DecideOnDeviation(GenericAPIView[Deviation]):
    """`POST /api/deviations/{id}/reviews/`: an action of the deviations' viewset."""

    @write_schema(
        DecisionInput,
        ReviewSerializer,
        refused="not a reviewer, or four eyes",
        missing="no such deviation",
        conflict="the deviation changed since you read it: `changed` names what (content, "
        "effect), `fingerprint` and `effect_hash` what it is now",
    )
    @action(detail=True, methods=["post"], url_path="reviews", serializer_class=DecisionInput)
    def decide(self, request: Request, pk: int) -> Response:
        """Record a review decision on one deviation (reviewers; four eyes apply)."""
        deviation = self.get_object()
        # The role first: a viewer is refused whatever they send.
        permissions.require(permissions.review_refusal(request.user, deviation))
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        seen = reviews.Seen(data["fingerprint"], data["effect_hash"])
        try:
            review = reviews.decide(
                actor_for(request), deviation, data["decision"], data["comment"], seen=seen
            )
        except reviews.ContentChanged as error:
            raise Conflict(
                {
                    "detail": str(error),
                    "changed": list(error.changed),
                    "fingerprint": error.current.fingerprint,
                    "effect_hash": error.current.effect_hash,
                }
            ) from None
        except reviews.ReviewError as error:
            raise field_error(str(error), error.field) from None
        review = queries.review_rows().get(pk=review.pk)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

"""Justification notes: a deviation's notes, adding one, and adding a version of one.

Notes are never edited in place: a revision is a new version.  The notes
service (deviations.domain.notes) checks who may write (reviewers and the
deviation's authors), exactly as the note pages do.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from deviations.domain import notes, permissions
from deviations.models import Deviation, JustificationNote, NoteVersion
from deviations.web.api.base import CREATED_AT_ANSWERED, actor_for, field_error, write_schema

WRITERS = "only reviewers and the deviation's authors"


class NoteVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True)

    class Meta:
        model = NoteVersion
        fields = ["number", "text", "author", "created_at"]
        extra_kwargs = CREATED_AT_ANSWERED


class NoteSerializer(serializers.ModelSerializer):
    deviation = serializers.IntegerField(source="deviation_id", read_only=True)
    author = serializers.CharField(source="author.get_username", read_only=True)
    versions = NoteVersionSerializer(many=True, read_only=True, help_text="newest first")

    class Meta:
        model = JustificationNote
        fields = ["id", "deviation", "author", "created_at", "versions"]
        extra_kwargs = CREATED_AT_ANSWERED


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=notes.MAX_NOTE)


class RevisionInput(serializers.Serializer):
    text = serializers.CharField(max_length=notes.MAX_NOTE)
    based_on = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version you revised; refused (400) if someone added one since.",
    )


class DeviationNotes(GenericAPIView[Deviation]):
    """`/api/deviations/{id}/notes/`: an action of the deviations' viewset."""

    @extend_schema(methods=["GET"], responses={200: NoteSerializer(many=True)})
    @write_schema(
        NoteInput, NoteSerializer, refused=WRITERS, missing="no such deviation", methods=["POST"]
    )
    # All of a deviation's notes in one answer: neither paged nor filtered like the list.
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=NoteInput,
        pagination_class=None,
        filter_backends=[],
    )
    def notes(self, request: Request, pk: int) -> Response:
        """A deviation's justification notes (GET), or a new one (POST)."""
        deviation = self.get_object()
        if request.method == "GET":
            return Response(NoteSerializer(notes.notes_of(deviation), many=True).data)
        permissions.require(permissions.note_refusal(request.user, deviation))
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        text = form.validated_data["text"]
        try:
            note = notes.add_note(actor_for(request), deviation, text)
        except notes.NoteError as error:
            raise field_error(str(error), error.field) from None
        created = next(n for n in notes.notes_of(deviation) if n.pk == note.pk)
        return Response(NoteSerializer(created).data, status=status.HTTP_201_CREATED)


class NoteViewSet(viewsets.GenericViewSet):
    """Justification notes: a new version of one (`POST /api/notes/{id}/versions/`)."""

    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[JustificationNote]:
        return JustificationNote.objects.select_related("deviation__component")

    @write_schema(
        RevisionInput,
        NoteVersionSerializer,
        refused=WRITERS,
        missing="no such note",
        invalid="invalid input, unchanged text or a newer version",
    )
    @action(detail=True, methods=["post"], serializer_class=RevisionInput)
    def versions(self, request: Request, pk: int) -> Response:
        """Add a version to a note (its new text)."""
        try:
            note = self.get_object()
        except Http404:
            # Say "not found" only to someone who could write notes at all.
            if not permissions.can_review(request.user):
                raise PermissionDenied(
                    "Only reviewers and the deviation's authors write notes."
                ) from None
            raise
        permissions.require(permissions.note_refusal(request.user, note.deviation))
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            version = notes.revise_note(
                actor_for(request), note, data["text"], based_on=data.get("based_on")
            )
        except notes.NoteError as error:
            raise field_error(str(error), error.field) from None
        return Response(NoteVersionSerializer(version).data, status=status.HTTP_201_CREATED)

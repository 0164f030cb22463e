"""Justification notes: a deviation's notes, adding one, and adding a version of one.

Notes are never edited in place: a revision is a new version.  The notes
service (deviations.domain.notes) checks who may write (reviewers and the
deviation's authors), exactly as the note pages do.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from deviations.domain import notes, permissions
from deviations.models import Deviation, JustificationNote, NoteVersion
from deviations.web.api.base import (
    ApiView,
    actor_for,
    deviation_or_404,
    field_error,
    object_id,
    validated,
    write_schema,
)

WRITERS = "only reviewers and the deviation's authors"


class NoteVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True)

    class Meta:
        model = NoteVersion
        fields = ["number", "text", "author", "created_at"]


class NoteSerializer(serializers.ModelSerializer):
    deviation = serializers.IntegerField(source="deviation_id", read_only=True)
    author = serializers.CharField(source="author.get_username", read_only=True)
    versions = NoteVersionSerializer(many=True, read_only=True, help_text="newest first")

    class Meta:
        model = JustificationNote
        fields = ["id", "deviation", "author", "created_at", "versions"]


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


class DeviationNotesView(ApiView):
    """A deviation's justification notes (GET), or a new one (POST)."""

    @extend_schema(responses={200: NoteSerializer(many=True)})
    def get(self, request, pk: int):
        deviation = get_object_or_404(Deviation, pk=object_id(pk))
        return Response(NoteSerializer(notes.notes_of(deviation), many=True).data)

    @write_schema(NoteInput, NoteSerializer, refused=WRITERS, missing="no such deviation")
    def post(self, request, pk: int):
        deviation = deviation_or_404(pk)
        permissions.require(permissions.note_refusal(request.user, deviation))
        text = validated(NoteInput, request)["text"]
        try:
            note = notes.add_note(actor_for(request), deviation, text)
        except notes.NoteError as error:
            raise field_error(str(error), error.field) from None
        created = next(n for n in notes.notes_of(deviation) if n.pk == note.pk)
        return Response(NoteSerializer(created).data, status=status.HTTP_201_CREATED)


class NoteVersionsView(ApiView):
    """Add a version to a note (its new text)."""

    @write_schema(
        RevisionInput,
        NoteVersionSerializer,
        refused=WRITERS,
        missing="no such note",
        invalid="invalid input, unchanged text or a newer version",
    )
    def post(self, request, pk: int):
        note = (
            JustificationNote.objects.select_related("deviation__component")
            .filter(pk=object_id(pk))
            .first()
        )
        if note is None:
            # Say "not found" only to someone who could write notes at all.
            if not permissions.can_review(request.user):
                raise PermissionDenied("Only reviewers and the deviation's authors write notes.")
            raise Http404("no such note")
        permissions.require(permissions.note_refusal(request.user, note.deviation))
        data = validated(RevisionInput, request)
        try:
            version = notes.revise_note(
                actor_for(request), note, data["text"], based_on=data.get("based_on")
            )
        except notes.NoteError as error:
            raise field_error(str(error), error.field) from None
        return Response(NoteVersionSerializer(version).data, status=status.HTTP_201_CREATED)

"""Justification notes written in the app, beside the TOML metadata.

A note's text is never edited in place: revising it adds a `NoteVersion`.
Who may write: reviewers and the deviation's authors (deviations.domain.permissions).
Writing a note counts as authoring the justification, so its writer cannot
approve the deviation (four eyes).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from deviations.domain import audit, permissions
from deviations.models import Deviation, JustificationNote, NoteVersion
from deviations.vocabulary import AuditAction

MAX_NOTE = 20_000


class NoteError(ValueError):
    """A note that cannot be written; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = "text") -> None:
        super().__init__(message)
        self.field = field


def _clean(text: str) -> str:
    text = (text or "").strip().replace("\r\n", "\n")
    if not text:
        raise NoteError("A note needs some text.")
    if len(text) > MAX_NOTE:
        raise NoteError(f"A note is at most {MAX_NOTE} characters.")
    return text


def _draft(
    action: AuditAction,
    note: JustificationNote,
    deviation: Deviation,
    *,
    before: Any = None,
    after: Any,
) -> audit.Draft:
    # Filed under the deviation, so its page's trail shows its notes too.
    return audit.Draft(
        action=action,
        **audit.describe(deviation),
        component_name=deviation.component.name,
        before=before,
        after=after,
    )


def _writer(actor: audit.Actor, deviation: Deviation) -> User:
    """Who writes a note on `deviation`: PermissionDenied unless `actor.user` may."""
    permissions.require(permissions.note_refusal(actor.user, deviation))
    if actor.user is None:  # refused above already: a job holds no role
        raise PermissionDenied("Notes are written by users.")
    return actor.user


def add_note(actor: audit.Actor, deviation: Deviation, text: str) -> JustificationNote:
    """A new note (version 1) by `actor.user`."""
    text = _clean(text)
    with transaction.atomic():
        deviation = Deviation.objects.select_related("component").get(pk=deviation.pk)
        author = _writer(actor, deviation)
        now = timezone.now()
        note = JustificationNote.objects.create(deviation=deviation, author=author, created_at=now)
        NoteVersion.objects.create(note=note, number=1, text=text, author=author, created_at=now)
        audit.record_many(
            actor,
            [
                _draft(
                    AuditAction.NOTE_ADDED,
                    note,
                    deviation,
                    after={"note": note.pk, "version": 1, "text": text},
                )
            ],
        )
    return note


def revise_note(
    actor: audit.Actor, note: JustificationNote, text: str, *, based_on: int | None = None
) -> NoteVersion:
    """Add a version to `note`.

    `based_on` is the version number the writer started from; if someone added
    a version since, the revision is refused rather than silently overwriting it.
    """
    text = _clean(text)
    with transaction.atomic():
        # Lock the note so two revisions cannot both become version n+1.
        note = (
            JustificationNote.objects.select_for_update(of=("self",))
            .select_related("deviation__component")
            .get(pk=note.pk)
        )
        author = _writer(actor, note.deviation)
        latest = note.versions.aggregate(n=Max("number"))["n"] or 0
        if based_on is not None and based_on != latest:
            raise NoteError(
                f"Someone added version {latest} of this note while you were writing; "
                "read it and revise that."
            )
        previous = note.versions.get(number=latest).text if latest else ""
        if text == previous:
            raise NoteError("The text is unchanged.")
        version = NoteVersion.objects.create(note=note, number=latest + 1, text=text, author=author)
        audit.record_many(
            actor,
            [
                _draft(
                    AuditAction.NOTE_REVISED,
                    note,
                    note.deviation,
                    before={"note": note.pk, "version": latest, "text": previous},
                    after={"note": note.pk, "version": latest + 1, "text": text},
                )
            ],
        )
    return version


def notes_of(deviation: Deviation) -> list[JustificationNote]:
    """The deviation's notes, oldest first, each with `versions.all` newest first (2 queries)."""
    return list(
        JustificationNote.objects.filter(deviation=deviation)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=NoteVersion.objects.select_related("author").order_by("-number"),
            )
        )
        .order_by("created_at", "pk")
    )

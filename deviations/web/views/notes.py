"""Justification notes: add one to a deviation, or add a version to a note.

POST writes and goes back to the deviation page; a refused or invalid note
renders the note page with the text kept and the error shown (no JavaScript
needed).  GET shows that page empty (or with the note's latest text).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from deviations.domain import audit, notes, permissions
from deviations.models import Deviation, JustificationNote
from deviations.vocabulary import Origin
from deviations.web.access import SignedInRequest
from deviations.web.views.pages import render_page


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=notes.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Justification",
        help_text="Why Azure Linux carries this deviation. Notes are versioned, never edited.",
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _back(deviation_pk: int) -> str:
    return reverse("deviation", args=[deviation_pk]) + "#notes"


def _page(
    request: SignedInRequest,
    deviation: Deviation,
    form: NoteForm,
    note: JustificationNote | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "section": "deviations",
        "d": deviation,
        "note": note,
        "form": form,
        "notes_raw": notes.notes_of(deviation) if note is None else None,
        "versions": list(note.versions.select_related("author").order_by("-number"))
        if note
        else None,
        "refusal": permissions.note_refusal(request.user, deviation),
    }
    return render_page(request, "reviews/note.html", context, status=status)


@require_http_methods(["GET", "POST"])
def add(request: SignedInRequest, pk: int) -> HttpResponse:
    deviation = get_object_or_404(Deviation.objects.select_related("component"), pk=pk)
    if request.method == "GET":
        return _page(request, deviation, NoteForm())
    permissions.require(permissions.note_refusal(request.user, deviation))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            notes.add_note(
                audit.Actor.for_user(request.user, Origin.WEB), deviation, form.cleaned_data["text"]
            )
        except notes.NoteError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Note added.")
            return redirect(_back(pk))
    return _page(request, deviation, form, status=400)


@require_http_methods(["GET", "POST"])
def revise(request: SignedInRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(
        JustificationNote.objects.select_related("deviation__component"), pk=pk
    )
    deviation = note.deviation
    if request.method == "GET":
        latest = note.versions.latest("number")  # a note has at least version 1
        form = NoteForm(initial={"text": latest.text, "based_on": latest.number})
        return _page(request, deviation, form, note=note)
    permissions.require(permissions.note_refusal(request.user, deviation))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            version = notes.revise_note(
                audit.Actor.for_user(request.user, Origin.WEB),
                note,
                form.cleaned_data["text"],
                based_on=form.cleaned_data["based_on"],
            )
        except notes.NoteError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, f"Note saved as version {version.number}.")
            return redirect(_back(deviation.pk))
    return _page(request, deviation, form, note=note, status=400)

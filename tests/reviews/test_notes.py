"""Justification notes: versioned, never edited in place, audited, four-eyes relevant."""

import pytest
from django.core.exceptions import PermissionDenied

from deviations.domain import audit, notes, people, permissions
from deviations.models import AuditEvent, NoteVersion, Origin
from tests import factories

pytestmark = pytest.mark.django_db


def act(user):
    return audit.Actor.for_user(user, Origin.WEB)


def test_a_note_is_added_then_revised_as_new_versions(reviewer, second_reviewer):
    dev = factories.make_deviation()
    note = notes.add_note(act(reviewer), dev, "  Fedora's default breaks our signing.\r\n ")
    v2 = notes.revise_note(act(second_reviewer), note, "Breaks signing; see bug 42.", based_on=1)

    assert list(note.versions.values_list("number", "text", "author__username")) == [
        (1, "Fedora's default breaks our signing.", "rita"),
        (2, "Breaks signing; see bug 42.", "rob"),
    ]
    assert v2.number == 2
    added, revised = AuditEvent.objects.filter(action__startswith="note.").order_by("seq")
    assert added.action == "note.added" and added.after == {
        "note": note.pk,
        "version": 1,
        "text": "Fedora's default breaks our signing.",
    }
    assert revised.before["version"] == 1 and revised.after["version"] == 2
    # Filed under the deviation, so the deviation's trail shows it.
    assert (revised.object_type, revised.object_id) == ("deviation", str(dev.pk))
    assert revised.component_name == "bash"
    (shown,) = notes.notes_of(dev)
    assert [v.number for v in shown.versions.all()] == [2, 1]  # newest first
    assert shown.versions.all()[0].text == "Breaks signing; see bug 42."


def test_a_revision_from_an_outdated_version_is_refused(reviewer, second_reviewer):
    note = notes.add_note(act(reviewer), factories.make_deviation(), "one")
    notes.revise_note(act(second_reviewer), note, "two", based_on=1)
    with pytest.raises(notes.NoteError, match="added version 2"):
        notes.revise_note(act(reviewer), note, "my two", based_on=1)
    with pytest.raises(notes.NoteError, match="unchanged"):
        notes.revise_note(act(reviewer), note, "two", based_on=2)
    with pytest.raises(notes.NoteError, match="needs some text"):
        notes.add_note(act(reviewer), factories.make_deviation(), " ")
    assert NoteVersion.objects.count() == 2


def test_only_reviewers_and_authors_write_notes(viewer, reviewer):
    dev = factories.make_deviation(
        introduced=factories.make_commit(author="V", email="vera@corp.example")
    )
    with pytest.raises(PermissionDenied):
        notes.add_note(act(viewer), dev, "I wrote this because...")
    people.link_identity(factories.SETUP, viewer, email="vera@corp.example")
    notes.add_note(act(viewer), dev, "I wrote this because...")


def test_writing_a_note_bars_approving_the_deviation(reviewer, second_reviewer):
    dev = factories.make_deviation()
    note = notes.add_note(act(reviewer), dev, "why")
    notes.revise_note(act(second_reviewer), note, "why, better")
    for user in (reviewer, second_reviewer):
        permissions.forget(user)
        assert permissions.approval_refusal(user, dev).startswith("Four eyes")

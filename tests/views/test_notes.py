"""Justification notes from the pages: add, new version, refusals; never edited in place."""

import pytest
from django.urls import reverse

from deviations.domain import audit, notes, people
from deviations.domain.permissions import REVIEWER, VIEWER
from deviations.models import AuditEvent, JustificationNote, NoteVersion
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(db):
    return factories.make_deviation(
        "curl", introduced=factories.make_commit(author="Vera V", email="vera@example.com")
    )


def test_a_reviewer_adds_a_note_and_a_new_version_from_the_pages(client, dev):
    rita = factories.make_user("rita", roles=[REVIEWER])
    client.force_login(rita)
    page = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    assert f'action="{reverse("note_add", args=[dev.pk])}"' in page

    response = client.post(reverse("note_add", args=[dev.pk]), {"text": "Needed for FIPS."})
    assert response.status_code == 302
    assert response.url == reverse("deviation", args=[dev.pk]) + "#notes"
    note = JustificationNote.objects.get()

    form = client.get(reverse("note_revise", args=[note.pk])).content.decode()
    assert "Needed for FIPS." in form and 'name="based_on" value="1"' in form
    response = client.post(
        reverse("note_revise", args=[note.pk]), {"text": "Needed for FIPS 140-3.", "based_on": 1}
    )
    assert response.status_code == 302
    assert list(NoteVersion.objects.order_by("number").values_list("text", flat=True)) == [
        "Needed for FIPS.",
        "Needed for FIPS 140-3.",
    ]
    page = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    notes_html = page[page.index('id="notes"') :]
    assert "Needed for FIPS 140-3." in notes_html and "(version 2)" in notes_html
    assert "Earlier versions" in notes_html
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="note.")] == [
        "note.revised",
        "note.added",
    ]  # the model orders newest first


def test_a_stale_revision_and_an_empty_note_are_shown_as_form_errors(client, dev):
    rita = factories.make_user("rita", roles=[REVIEWER])
    client.force_login(rita)
    note = notes.add_note(audit.Actor.for_user(rita), dev, "one")
    notes.revise_note(audit.Actor.for_user(rita), note, "two")
    response = client.post(
        reverse("note_revise", args=[note.pk]), {"text": "my one", "based_on": 1}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone added version 2 of this note while you were writing" in html
    assert "my one" in html  # the text is kept
    response = client.post(reverse("note_add", args=[dev.pk]), {"text": "   "})
    assert response.status_code == 400
    assert NoteVersion.objects.count() == 2


def test_viewers_may_not_write_notes_unless_they_authored_the_deviation(client, dev):
    vera = factories.make_user("vera", roles=[VIEWER])
    client.force_login(vera)
    page = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    assert "Add a note" not in page
    assert client.post(reverse("note_add", args=[dev.pk]), {"text": "x"}).status_code == 403
    people.link_identity(factories.SETUP, vera, email="vera@example.com")
    page = client.get(reverse("deviation", args=[dev.pk])).content.decode()
    assert "Add a note" in page
    assert (
        client.post(reverse("note_add", args=[dev.pk]), {"text": "Mine, because"}).status_code
        == 302
    )

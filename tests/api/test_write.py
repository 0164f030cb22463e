"""Writes: review decisions, notes, starting a sync -- the UI's services and rules."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from deviations.domain import audit, notes
from deviations.models import (
    AuditEvent,
    GitIdentity,
    JustificationNote,
    NoteVersion,
    Review,
    ReviewState,
    SyncRun,
)
from tests import factories


def decide_url(dev) -> str:
    return f"/api/deviations/{dev.pk}/reviews/"


def read(dev) -> dict[str, str]:
    """What a client read of the deviation and sends back with its decision."""
    return {"fingerprint": dev.fingerprint, "effect_hash": dev.effect_hash}


def test_a_reviewer_records_a_decision(world, reviewer, as_reviewer):
    dev = world.deviations["curl"][1]
    response = as_reviewer.post(
        decide_url(dev),
        {"decision": "approved", "fingerprint": dev.fingerprint, "effect_hash": dev.effect_hash},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["decision"], body["reviewer"], body["deviation"]) == ("approved", "rita", dev.pk)
    dev.refresh_from_db()
    assert dev.review_state == ReviewState.APPROVED
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.origin, event.actor_id) == ("review.approved", "api", reviewer.pk)
    assert audit.verify().ok
    # It is in the review history, filtered like the export.
    listed = as_reviewer.get(f"/api/reviews/?deviation={dev.pk}").json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]


def test_invalid_input_is_400_with_field_errors(world, as_reviewer):
    dev = world.deviations["curl"][1]
    response = as_reviewer.post(decide_url(dev), {"decision": "maybe"}, format="json")
    assert response.status_code == 400
    assert "decision" in response.json()
    response = as_reviewer.post(
        decide_url(dev), {"decision": "rejected", **read(dev)}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "comment": ["Say why: a comment is required to request changes or reject."]
    }
    response = as_reviewer.post(decide_url(dev), {}, format="json")
    assert response.status_code == 400 and "decision" in response.json()
    assert not Review.objects.exists()


def test_four_eyes_refused_through_the_api(world, reviewer, as_reviewer):
    # Rita committed the change that introduced this deviation: she may not approve it.
    GitIdentity.objects.create(user=reviewer, name="Ada Maintainer")
    dev = world.deviations["curl"][1]
    response = as_reviewer.post(
        decide_url(dev), {"decision": "approved", **read(dev)}, format="json"
    )
    assert response.status_code == 403
    assert "Four eyes" in response.json()["detail"]
    assert not Review.objects.exists()
    # Requesting changes is still hers to do.
    response = as_reviewer.post(
        decide_url(dev),
        {"decision": "changes-requested", "comment": "split it", **read(dev)},
        format="json",
    )
    assert response.status_code == 201


def test_four_eyes_covers_her_own_justification_note(world, reviewer, as_reviewer):
    dev = world.deviations["nano"][0]
    assert as_reviewer.post(f"/api/deviations/{dev.pk}/notes/", {"text": "ok"}).status_code == 201
    response = as_reviewer.post(
        decide_url(dev), {"decision": "approved", **read(dev)}, format="json"
    )
    assert response.status_code == 403
    assert "justification notes" in response.json()["detail"]


def test_a_changed_deviation_is_409_naming_what_changed(world, as_reviewer):
    dev = world.deviations["curl"][1]
    response = as_reviewer.post(
        decide_url(dev),
        {"decision": "approved", **read(dev), "fingerprint": "0" * 64},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["changed"] == ["content"]
    assert (
        "changed since you read it: its content (you read a version it never had"
        in (body["detail"])
    )
    assert (body["fingerprint"], body["effect_hash"]) == (dev.fingerprint, dev.effect_hash)
    response = as_reviewer.post(
        decide_url(dev),
        {"decision": "approved", **read(dev), "effect_hash": "1" * 64},
        format="json",
    )
    assert response.status_code == 409 and response.json()["changed"] == ["effect"]
    assert (
        "its rendered effect at the pinned upstream commit (you read effect 111111111111"
        in (response.json()["detail"])
    )
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "left_out", [("fingerprint",), ("effect_hash",), ("fingerprint", "effect_hash")]
)
def test_a_decision_without_what_was_read_is_400(world, as_reviewer, left_out):
    dev = world.deviations["curl"][1]
    data = {"decision": "approved", **read(dev)}
    for name in left_out:
        del data[name]
    response = as_reviewer.post(decide_url(dev), data, format="json")
    assert response.status_code == 400
    assert response.json() == {name: ["This field is required."] for name in left_out}
    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="review.").exists()


def test_notes_and_their_versions(world, reviewer, as_reviewer):
    dev = world.deviations["curl"][0]
    response = as_reviewer.post(f"/api/deviations/{dev.pk}/notes/", {"text": "  Why: CA  "})
    assert response.status_code == 201
    note = response.json()
    assert note["versions"] == [
        {"number": 1, "text": "Why: CA", "author": "rita", "created_at": note["created_at"]}
    ]
    url = f"/api/notes/{note['id']}/versions/"
    response = as_reviewer.post(url, {"text": "Why: our CA bundle", "based_on": 1})
    assert response.status_code == 201 and response.json()["number"] == 2
    stale = as_reviewer.post(url, {"text": "another", "based_on": 1})
    assert stale.status_code == 400 and "version 2" in stale.json()["text"][0]
    same = as_reviewer.post(url, {"text": "Why: our CA bundle"})
    assert same.status_code == 400 and same.json() == {"text": ["The text is unchanged."]}
    assert as_reviewer.post(url, {"text": ""}).status_code == 400
    listed = as_reviewer.get(f"/api/deviations/{dev.pk}/notes/").json()
    assert [v["number"] for v in listed[0]["versions"]] == [2, 1]
    assert NoteVersion.objects.count() == 2
    actions = list(AuditEvent.objects.filter(origin="api").values_list("action", flat=True))
    assert actions == ["note.revised", "note.added"]


def write_requests(world, note_pk):
    dev = world.deviations["curl"][1]
    return [
        (decide_url(dev), {"decision": "changes-requested", "comment": "no"}),
        (f"/api/deviations/{dev.pk}/notes/", {"text": "a note"}),
        (f"/api/notes/{note_pk}/versions/", {"text": "a new text"}),
        ("/api/sync-runs/", {"components": ["curl"]}),
        (f"/api/deviations/{dev.pk}/ownership/", {"owner": "rita"}),
        (f"/api/deviations/{dev.pk}/acknowledgements/", {"subject": "obsolete", "reason": "x"}),
        ("/api/components/curl/ownership/", {"due_date": "2027-01-01"}),
        ("/api/components/curl/acknowledgements/", {"subject": "drift", "reason": "x"}),
        ("/api/acknowledgements/1/withdraw/", {}),
    ]


def api_post_routes() -> set[str]:
    """Names of the API routes that accept POST (so a new one cannot skip this test)."""
    found = set()
    for pattern in get_resolver("deviations.web.api.urls").url_patterns:
        assert isinstance(pattern, URLPattern)
        view = pattern.callback
        actions = getattr(view, "actions", None)
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if (actions and "post" in actions) or (cls and not actions and hasattr(cls, "post")):
            found.add(pattern.name)
    return found


def test_a_viewers_post_to_every_write_endpoint_is_403(world, reviewer, viewer, as_viewer):
    note = notes.add_note(audit.Actor.for_user(reviewer), world.deviations["curl"][1], "why")
    requests = write_requests(world, note.pk)
    assert len(requests) == len(api_post_routes())  # every write endpoint is listed above
    before = AuditEvent.objects.count()
    for url, data in requests:
        response = as_viewer.post(url, data, format="json")
        assert response.status_code == 403, (url, response.content)
    # Even with nonsense input, a viewer is refused (not told what is wrong with it).
    for url, _ in requests:
        assert as_viewer.post(url, {"junk": 1}, format="json").status_code == 403
    assert AuditEvent.objects.count() == before
    assert not Review.objects.exists() and JustificationNote.objects.count() == 1
    assert SyncRun.objects.count() == 1


def test_a_user_without_role_and_an_anonymous_one_are_refused(world, nobody):
    requests = write_requests(world, 1)
    for url, data in requests:
        assert factories.api_client_for(nobody).post(url, data, format="json").status_code == 403
        assert factories.api_client_for(None).post(url, data, format="json").status_code == 401


def test_reviewers_do_not_start_syncs(world, as_reviewer):
    response = as_reviewer.post("/api/sync-runs/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only admins start syncs."


@pytest.mark.django_db(transaction=True)
def test_an_admin_starts_a_sync_and_a_second_is_409(admin_user, settings, tmp_path):
    settings.CACHE_DIR = tmp_path / "cache"
    upstream = factories.component_with_upstream(tmp_path)
    client = factories.api_client_for(admin_user)

    unknown = client.post("/api/sync-runs/", {"components": ["nope"]}, format="json")
    assert unknown.status_code == 400
    assert unknown.json() == {"components": ["unknown component(s): nope"]}

    response = client.post("/api/sync-runs/", {"components": ["hello"]}, format="json")
    assert response.status_code == 202, response.content
    run = SyncRun.objects.get(pk=response.json()["id"])
    assert (run.trigger, run.triggered_by) == ("api", admin_user)
    assert run.options["dist_git_base_uri"] == upstream.template
    run = factories.wait_for_sync(run)
    assert (run.status, run.done, run.total) == ("succeeded", 1, 1)
    upstream.component.refresh_from_db()
    assert upstream.component.sync.pinned_commit == upstream.repo.tip("f43")
    assert client.get(f"/api/sync-runs/{run.pk}/").json()["status"] == "succeeded"

    factories.make_sync_run(SyncRun.Status.RUNNING, total=10, done=1)
    again = client.post("/api/sync-runs/", {}, format="json")
    assert again.status_code == 409
    assert "only one sync runs at a time" in again.json()["detail"]

"""Upstream on the pages: evidence and suggestions, accept/dismiss, filters, three levels."""

import time

import pytest
from django.test import Client

from deviations.domain.permissions import ADMIN, REVIEWER, VIEWER
from deviations.domain.upstream.check import CheckRequest, run_check
from deviations.models import AuditEvent, SuggestionStatus, UpstreamCheck, UpstreamSuggestion
from tests import factories
from tests.upstream.conftest import answer_all

pytestmark = pytest.mark.django_db


def logged_in(name, *roles):
    client = Client()
    client.force_login(factories.make_user(name, roles=roles))
    return client


@pytest.fixture
def checked(linked, services):
    answer_all(services)
    run_check(CheckRequest())
    return linked


def test_deviation_page_shows_links_and_the_suggestion_with_evidence(checked):
    page = logged_in("vera", VIEWER).get(f"/deviations/{checked.pr.pk}/").content.decode()
    assert 'id="upstream"' in page
    assert "https://github.com/SSSD/sssd/pull/8397" in page
    assert "Suggestion: set upstream-status to upstreamed" in page
    assert "the pull-request was merged upstream" in page
    assert "https://bugzilla.redhat.com/show_bug.cgi?id=2400002" in page
    assert 'name="decision" value="accept"' not in page  # a viewer decides nothing
    review = logged_in("rita", REVIEWER).get(f"/deviations/{checked.pr.pk}/review/")
    assert 'name="decision" value="accept"' in review.content.decode()


def test_reviewer_accepts_and_dismisses_audited(checked):
    client = logged_in("rita", REVIEWER)
    suggestion = UpstreamSuggestion.objects.get(deviation=checked.pr)
    response = client.post(f"/suggestions/{suggestion.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/deviations/{checked.pr.pk}/#upstream")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    assert suggestion.decided_by.username == "rita"
    event = AuditEvent.objects.get(action="upstream.suggestion.accepted")
    assert (event.actor_label, event.origin, event.component_name) == ("rita", "web", "sssd")
    other = UpstreamSuggestion.objects.get(deviation=checked.closed)
    client.post(f"/suggestions/{other.pk}/decide/", {"decision": "dismiss"})  # no reason
    other.refresh_from_db()
    assert other.status == SuggestionStatus.OPEN
    client.post(f"/suggestions/{other.pk}/decide/", {"decision": "dismiss", "comment": "kept"})
    other.refresh_from_db()
    assert (other.status, other.comment) == (SuggestionStatus.DISMISSED, "kept")
    # Decided once: a second decision is refused and records nothing.
    events = AuditEvent.objects.count()
    client.post(f"/suggestions/{other.pk}/decide/", {"decision": "accept"})
    assert AuditEvent.objects.count() == events


def test_viewer_cannot_decide(checked):
    suggestion = UpstreamSuggestion.objects.get(deviation=checked.pr)
    response = logged_in("vera", VIEWER).post(
        f"/suggestions/{suggestion.pk}/decide/", {"decision": "accept"}
    )
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_filters_overview_and_component_levels(checked):
    client = logged_in("vera", VIEWER)
    listed = client.get("/deviations/?has_suggestion=yes").content.decode()
    assert f"/deviations/{checked.pr.pk}/" in listed
    assert f"/deviations/{checked.backport.pk}/" in listed
    api = client.get("/api/deviations/?has_suggestion=no").json()
    assert {row["id"] for row in api["results"]} == set()  # all three have one
    overview = client.get("/").content.decode()
    assert "deviations with an upstream suggestion" in overview
    newer = client.get("/components/?upstream_newer=yes").content.decode()
    assert "/components/nano/" in newer and "/components/sssd/" not in newer
    page = client.get("/components/nano/").content.decode()
    assert "8.4" in page and "newer than Fedora" in page
    data = client.get("/api/components/nano/").json()
    assert (data["upstream_latest_version"], data["upstream_newer_than_fedora"]) == ("8.4", True)
    detail = client.get(f"/api/deviations/{checked.pr.pk}/").json()
    assert detail["suggested_upstream_status"] == ["upstreamed"]
    assert [(u["service"], u["state"], u["suggestion"]) for u in detail["upstream_links"]] == [
        ("github", "merged", "upstreamed"),
        ("bugzilla", "open", None),
    ]
    assert all(u["checked_at"] for u in detail["upstream_links"])


@pytest.mark.django_db(transaction=True)  # the check runs in a thread: it must see the data
def test_admin_starts_a_check_from_the_sync_page(linked, services):
    answer_all(services)
    admin = logged_in("ada", ADMIN)
    assert "Check upstream" in admin.get("/sync/").content.decode()
    assert "Check upstream" not in logged_in("vera", VIEWER).get("/sync/").content.decode()
    response = admin.post("/upstream/check/")
    assert response.status_code == 302
    # The immediate backend runs it in a thread of its own; wait for it.
    for _ in range(100):
        check = UpstreamCheck.objects.first()
        if check is not None and check.status != UpstreamCheck.Status.RUNNING:
            break
        time.sleep(0.1)
    assert check.status == UpstreamCheck.Status.SUCCEEDED
    assert check.trigger == "web"

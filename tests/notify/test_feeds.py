"""Atom feeds behind a feed key: they open with the key and nothing else opens with it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from deviations.domain import audit, feeds, people, watches
from deviations.domain.permissions import REVIEWER, VIEWER
from deviations.models import AuditEvent, FeedToken
from deviations.vocabulary import AuditAction
from tests import factories

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed, not untrusted input
    return [
        {
            "title": entry.findtext(f"{ATOM}title") or "",
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary") or "",
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def ann(db):
    return factories.make_user("ann", roles=[VIEWER], email="ann@users.invalid")


@pytest.fixture
def key(ann):
    return feeds.issue(audit.Actor.for_user(ann), ann)


def test_only_the_hash_of_the_key_is_stored_and_making_and_revoking_it_is_audited(ann):
    actor = audit.Actor.for_user(ann)
    first = feeds.issue(actor, ann)
    second = feeds.issue(actor, ann)
    stored = FeedToken.objects.get(user=ann)
    assert stored.key_hash == feeds.key_hash(second) and second not in stored.key_hash
    assert feeds.user_for(first) is None and feeds.user_for(second) == ann
    assert feeds.revoke(actor, ann) and not feeds.revoke(actor, ann)
    actions = list(
        AuditEvent.objects.filter(action__startswith="feed_token.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.FEED_TOKEN_ISSUED,
        AuditAction.FEED_TOKEN_ROTATED,
        AuditAction.FEED_TOKEN_REVOKED,
    ]
    trail = AuditEvent.objects.filter(object_type="user")
    assert not any(second in str(e.before) + str(e.after) for e in trail)


def test_the_feeds_open_with_the_key_without_a_session(key):
    commit = factories.make_commit(author="Ann Author")
    dev = factories.make_deviation("bash", introduced=commit, description="Drop the tests")
    factories.make_deviation("curl", description="Keep HTTP/3 off")
    reader = Client()  # a feed reader: no session, no cookies

    bash = entries(reader.get(reverse("feed_component", args=[key, "bash"])))
    assert [e["title"] for e in bash] == ["deviation created: bash: overlay-0"]
    assert bash[0]["link"].startswith("http://testserver/audit/")

    listed = entries(reader.get(reverse("feed_deviations", args=[key]) + "?q=HTTP"))
    assert [e["title"] for e in listed] == ["curl: Keep HTTP/3 off"]
    assert "needs review" in listed[0]["summary"].lower()

    queue = entries(reader.get(reverse("feed_queue", args=[key])))
    assert {e["title"] for e in queue} == {"bash: Drop the tests", "curl: Keep HTTP/3 off"}

    mine = entries(reader.get(reverse("feed_mine", args=[key])))
    assert [e["link"] for e in mine] == [
        f"http://testserver{reverse('audit_event', args=[e.seq])}"
        for e in AuditEvent.objects.filter(object_id=str(dev.pk), object_type="deviation")
    ]
    response = reader.get(reverse("feed_mine", args=[key]))
    assert response["Cache-Control"] == "private, no-store"


def test_a_feed_of_fifty_entries_at_most(key):
    for n in range(55):
        factories.make_deviation("bash", description=f"change {n}")
    assert len(entries(Client().get(reverse("feed_component", args=[key, "bash"])))) == 50


def test_the_key_opens_neither_the_api_nor_the_pages(key):
    """401 on the API, a way to the login page (or 404) on the pages: the key is no login."""
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:deviation-list")).status_code == 401
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get(reverse("api:deviation-list")).status_code == 401
    reader = Client()
    assert reader.get(reverse("api:deviation-list") + f"?token={key}").status_code == 401
    for name in ("overview", "deviations", "review_queue", "mine", "audit"):
        for client, url in (
            (api, reverse(name)),
            (reader, reverse(name) + f"?token={key}&key={key}"),
        ):
            response = client.get(url)
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith(reverse("login"))
    # Nothing but the feeds sits under /feeds/<key>/.
    for tail in ("", "audit/", "api/deviations/", "../overview/"):
        assert reader.get(f"/feeds/{key}/{tail}").status_code == 404
    # And the key is read-only: feeds answer GET and HEAD only.
    assert reader.post(reverse("feed_mine", args=[key])).status_code == 405
    assert reader.head(reverse("feed_mine", args=[key])).status_code == 200


def test_a_revoked_key_a_made_up_key_and_a_key_without_a_role_open_nothing(ann, key):
    url = reverse("feed_queue", args=[key])
    assert Client().get(url).status_code == 200
    people.set_roles(factories.SETUP, ann, [])
    assert Client().get(url).status_code == 404
    people.set_roles(factories.SETUP, ann, [VIEWER])
    assert Client().get(url).status_code == 200
    feeds.revoke(audit.Actor.for_user(ann), ann)
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("feed_queue", args=["x" * 32])).status_code == 404
    assert Client().get(reverse("feed_queue", args=["x" * 300])).status_code == 404


def test_an_unknown_component_is_a_404(key):
    assert Client().get(reverse("feed_component", args=[key, "nope"])).status_code == 404


def test_the_mine_page_makes_shows_once_and_revokes_the_key(client, ann):
    client.force_login(ann)
    page = client.get(reverse("mine"))
    assert page.status_code == 200 and "You have no feed key yet." in page.content.decode()
    made = client.post(reverse("feed_token"), {"action": "issue"}).content.decode()
    stored = FeedToken.objects.get(user=ann)
    shown = [line for line in made.splitlines() if "/feeds/" in line and "/mine/" in line]
    key = shown[0].split("/feeds/")[1].split("/")[0]
    assert feeds.key_hash(key) == stored.key_hash
    again = client.get(reverse("mine")).content.decode()
    assert key not in again and "You have a feed key" in again
    client.post(reverse("feed_token"), {"action": "revoke"})
    assert not FeedToken.objects.filter(user=ann).exists()
    assert Client().get(reverse("feed_mine", args=[key])).status_code == 404


def test_the_mine_page_lists_my_deviations_reviews_waiting_and_watches(client, ann):
    rita = factories.make_user("rita", roles=[REVIEWER], email="rita@users.invalid")
    anns = factories.make_deviation(
        "bash", introduced=factories.make_commit(author="Ann Author"), description="Ann's"
    )
    ritas = factories.make_deviation(
        "zlib", introduced=factories.make_commit(author="Rita Reviewer"), description="Rita's"
    )
    other = factories.make_deviation("sed", description="Someone else's")
    watches.watch_component(audit.Actor.for_user(ann), ann, factories.component_named("curl"))

    broken = factories.make_deviation(
        "curl", introduced=anns.introduced_commit, description="Broken", verdict_at_tip="failed"
    )
    client.force_login(ann)
    page = client.get(reverse("mine")).content.decode()
    assert reverse("deviation", args=[anns.pk]) in page
    attention = page.split('id="attention"')[1].split("</section>")[0]
    assert reverse("deviation", args=[broken.pk]) in attention
    assert reverse("deviation", args=[anns.pk]) not in attention
    assert reverse("deviation", args=[ritas.pk]) not in page
    assert "Reviews waiting for me" not in page  # Ann is no reviewer
    assert "Component" in page and "curl" in page

    client.force_login(rita)
    page = client.get(reverse("mine")).content.decode()
    assert "Reviews waiting for me" in page
    waiting = page.split('id="waiting"')[1].split("</section>")[0]
    # Four eyes: her own deviation is not waiting for her.
    assert reverse("deviation", args=[anns.pk]) in waiting
    assert reverse("deviation", args=[other.pk]) in waiting
    assert reverse("deviation", args=[ritas.pk]) not in waiting


def test_operators_make_and_revoke_a_users_key(ann):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("feed_token", "ann", stdout=out)
    key = out.getvalue().strip()
    assert feeds.user_for(key) == ann
    call_command("feed_token", "ann", "--revoke", stderr=StringIO())
    assert feeds.user_for(key) is None
    with pytest.raises(CommandError, match="has no feed key"):
        call_command("feed_token", "ann", "--revoke", stderr=StringIO())
    with pytest.raises(CommandError, match="no user named"):
        call_command("feed_token", "nobody")
    labels = AuditEvent.objects.filter(action__startswith="feed_token.").values_list(
        "actor_label", flat=True
    )
    assert all(label.startswith("manage.py feed_token") for label in labels)

"""Every state-changing request checks permission and CSRF; reading needs a role.

The walks below visit EVERY URL the project routes (pages and API endpoints),
so a view added later without a permission check fails here: a viewer's POST
must be refused (403) or not accepted at all (405), and must change nothing;
a GET by an account without a role must be refused (403), by session and by
API token.  The Django admin is covered by tests/audit/test_admin_people.py.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from deviations.domain import audit, notes, people
from deviations.domain.permissions import ADMIN, REVIEWER, VIEWER
from deviations.models import (
    Acknowledgement,
    AuditEvent,
    GitIdentity,
    Review,
    SyncRun,
    UpstreamLink,
    UpstreamSuggestion,
)
from tests import factories
from tests.support import is_api_view

pytestmark = pytest.mark.django_db

# POSTs a viewer may make that change no data of azldrift.
NOT_STATE_CHANGING = {"login", "logout"}
# POSTs any role may make about their own account: a viewer gets an API token too (after
# giving their password again; tested in tests/api/test_tokens.py).
NOT_STATE_CHANGING |= {"api_token"}
# ...and so are their own feed key and their watches (tested in tests/notify/).
NOT_STATE_CHANGING |= {"feed_token", "watch_add", "watch_remove"}
# What an account without a role may still open: the public pages and the way out.
OPEN_WITHOUT_A_ROLE = {"health": 200, "login": 302, "logout": 405}  # logout is a POST
# The feeds take no session, only a feed key in the URL; one that opens nothing is a 404
# (tests/notify/test_feeds.py: a key of an account without a role opens nothing either).
OPEN_WITHOUT_A_ROLE |= {
    name: 404 for name in ("feed_mine", "feed_queue", "feed_deviations", "feed_component")
}


def routes(resolver=None, namespace=""):
    """(name to reverse, pattern) for every named URL pattern, admin excluded."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern


def arguments(pattern: URLPattern) -> list[str]:
    if hasattr(pattern.pattern, "converters") and pattern.pattern.converters:
        return list(pattern.pattern.converters)
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def world(db):
    rita = factories.make_user("rita", roles=[REVIEWER])
    dev = factories.make_deviation("curl", introduced=factories.make_commit(), effect="-a\n+b\n")
    with_note = factories.make_deviation("curl")
    note = notes.add_note(audit.Actor.for_user(rita), with_note, "why")
    identity = people.link_identity(factories.SETUP, rita, email="rita@example.com")
    run = SyncRun.objects.create(status=SyncRun.Status.SUCCEEDED, created_at=timezone.now())
    link = UpstreamLink.objects.create(
        url="https://github.com/o/r/pull/1",
        service="github",
        kind="pull-request",
        state="merged",
        created_at=timezone.now(),
    )
    suggestion = UpstreamSuggestion.objects.create(
        deviation=dev,
        link=link,
        kind="upstreamed",
        evidence={},
        evidence_hash="x",
        created_at=timezone.now(),
    )
    acknowledgement = Acknowledgement.objects.create(
        subject="suggestion",
        component=dev.component,
        deviation=dev,
        suggestion=suggestion,
        reason="known",
        expires_on=timezone.localdate() + dt.timedelta(days=5),
        created_by=rita,
    )
    return {
        "acknowledgement": acknowledgement,
        "suggestion": suggestion,
        "dev": dev,
        "note": note,
        "identity": identity,
        "user": rita,
        "run": run,
        "commit": dev.introduced_commit,
    }


def sample_kwargs(name, pattern, world):
    """Arguments that resolve to a real object for each URL."""
    by_url = {
        "note_revise": {"pk": world["note"].pk},
        "identity_unlink": {"pk": world["identity"].pk},
        "user_roles": {"pk": world["user"].pk},
        "sync_run": {"pk": world["run"].pk},
        "suggestion_decide": {"pk": world["suggestion"].pk},
        "acknowledgement_withdraw": {"pk": world["acknowledgement"].pk},
        # These take a component's id, not a deviation's (the two differ on PostgreSQL).
        "component_by_id": {"pk": world["dev"].component.pk},
        "component_diff_by_id": {"pk": world["dev"].component.pk},
        "component_ownership": {"pk": world["dev"].component.pk},
        "component_acknowledge": {"pk": world["dev"].component.pk},
        # A feed key that opens nothing (the feeds take no session).
        "feed_mine": {"key": "not-a-feed-key"},
        "feed_queue": {"key": "not-a-feed-key"},
        "feed_deviations": {"key": "not-a-feed-key"},
        "feed_component": {"key": "not-a-feed-key", "name": world["dev"].component.name},
    }
    by_name = {
        "pk": world["dev"].pk,
        "name": world["dev"].component.name,
        "key": world["dev"].key,
        "sha": world["commit"].sha,
        "format": "json",
        "seq": 1,  # an audit event (its page is read-only)
    }
    if name in by_url:
        return by_url[name]
    wanted = arguments(pattern)
    missing = [k for k in wanted if k not in by_name]
    assert not missing, f"add sample values for URL {name!r} arguments {missing}"
    return {k: by_name[k] for k in wanted}


def test_a_viewers_post_is_refused_on_every_state_changing_url(client, world):
    viewer = factories.make_user("vera", roles=[VIEWER])
    client.force_login(viewer)
    dev = world["dev"]
    payload = {
        "decision": "approved",
        "comment": "looks fine",
        "fingerprint": dev.fingerprint,
        "effect_hash": dev.effect_hash,
        "text": "a note",
        "d": [f"{dev.pk}:{dev.fingerprint}:{dev.effect_hash}"],
        "components": "",
        "user": world["user"].pk,
        "email": "someone@example.com",
        "roles": [ADMIN, REVIEWER],
    }
    events_before = AuditEvent.objects.count()
    checked = []
    for name, pattern in routes():
        if name in NOT_STATE_CHANGING:
            continue
        url = reverse(name, kwargs=sample_kwargs(name, pattern, world))
        status = client.post(url, payload).status_code
        assert status in (403, 405), f"a viewer's POST to {url} ({name}) answered {status}"
        checked.append((name, status))
    refused = {name for name, status in checked if status == 403}
    # The state-changing views of the review workflow are among those checked.
    assert {
        "deviation_review",
        "note_add",
        "note_revise",
        "review_bulk",
        "identity_link",
        "identity_unlink",
        "user_roles",
        "suggestion_decide",
        "upstream_check_start",
        "deviation_ownership",
        "deviation_acknowledge",
        "component_ownership",
        "component_acknowledge",
        "acknowledgement_withdraw",
    } <= refused
    assert AuditEvent.objects.count() == events_before
    assert not Review.objects.exists()
    assert GitIdentity.objects.count() == 1


def test_state_changing_posts_need_the_csrf_token(world):
    rita = world["user"]
    dev = world["dev"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rita)
    url = reverse("deviation_review", args=[dev.pk])
    data = {
        "decision": "changes-requested",
        "comment": "split it",
        "fingerprint": dev.fingerprint,
        "effect_hash": dev.effect_hash,
    }
    assert browser.post(url, data).status_code == 403
    assert not Review.objects.exists()
    browser.get(url)  # sets the CSRF cookie, as a page load does
    token = browser.cookies["csrftoken"].value
    assert browser.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Review.objects.count() == 1


def approve(client, dev):
    data = {"decision": "approved", "fingerprint": dev.fingerprint, "effect_hash": dev.effect_hash}
    return client.post(reverse("deviation_review", args=[dev.pk]), data)


def test_a_user_without_any_role_cannot_change_anything_either(client, world):
    nobody = factories.make_user("nobody")
    client.force_login(nobody)
    dev = world["dev"]
    assert approve(client, dev).status_code == 403
    assert client.post(reverse("note_add", args=[dev.pk]), {"text": "x"}).status_code == 403
    assert client.post(reverse("review_bulk"), {"d": [str(dev.pk)]}).status_code == 403


def test_admins_manage_but_do_not_review(client, world):
    boss = factories.make_user("ada", roles=[ADMIN])
    client.force_login(boss)
    dev = world["dev"]
    assert approve(client, dev).status_code == 403


def test_an_account_without_a_role_reads_nothing(client, world):
    """GET every URL as a logged-in user without a role: 403, pages and API alike."""
    nobody = factories.make_user("nobody")
    client.force_login(nobody)
    token = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=nobody).key}")
    answered = {}
    for name, pattern in routes():
        url = reverse(name, kwargs=sample_kwargs(name, pattern, world))
        response = client.get(url)
        answered[name] = response.status_code
        if name in OPEN_WITHOUT_A_ROLE:
            assert response.status_code == OPEN_WITHOUT_A_ROLE[name], url
            continue
        assert response.status_code == 403, f"{url} ({name}) answered {response.status_code}"
        if is_api_view(pattern.callback):
            # Tools use tokens, which DRF checks inside the view: refused there too.  (The
            # docs are a browser page: without a session, the login page.)
            expected = 302 if name == "api:docs" else 403
            assert token.get(url).status_code == expected, f"{url} ({name}) with a token"
        else:
            assert "has no role in azldrift; ask an admin" in response.content.decode(), url
    # Pages, API reads, CSV downloads (pages' and API's), the API's schema and docs.
    assert {
        "overview",
        "deviation",
        "review_queue",
        "people",
        "api_token",
        "export_deviations",
        "api:deviation-list",
        "api:export-audit",
        "api:schema",
        "api:docs",
    } <= {name for name, status in answered.items() if status == 403}
    assert client.get(reverse("api:docs") + "?script=").status_code == 403
    assert client.get(reverse("admin:index")).status_code == 403
    assert client.get(reverse("health")).json() == {"status": "ok"}
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_any_role_reads_every_page(client, world):
    for role in (VIEWER, REVIEWER, ADMIN):
        client.force_login(factories.make_user(f"someone-{role}", roles=[role]))
        for name in ("overview", "deviations", "review_queue", "people", "api:deviation-list"):
            assert client.get(reverse(name)).status_code == 200, (role, name)

"""Getting a token: the page (password asked again) and the command; both audited."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from deviations.models import AuditEvent
from tests import factories


def test_token_page_makes_a_token_that_the_api_accepts(db, viewer):
    browser = Client()
    browser.force_login(viewer)
    page = browser.get("/api/token/").content.decode()
    assert "You have no token yet." in page
    wrong = browser.post("/api/token/", {"password": "nope"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.content.decode()
    assert (
        not Token.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="api_token").exists()
    )
    response = browser.post("/api/token/", {"password": factories.PASSWORD})
    key = re.search(r'id="token-key">([0-9a-f]{40})<', response.content.decode()).group(1)
    assert Token.objects.get(user=viewer).key == key
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id, event.object_repr) == (
        "api_token.issued",
        viewer.pk,
        "vera",
    )
    assert key not in str(event.after) and key not in str(event.before)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/deviations/").status_code == 200
    # The key is not shown again; a new one replaces it.
    assert key not in browser.get("/api/token/").content.decode()
    again = browser.post("/api/token/", {"password": factories.PASSWORD}).content.decode()
    new_key = re.search(r'id="token-key">([0-9a-f]{40})<', again).group(1)
    assert new_key != key
    assert api.get("/api/deviations/").status_code == 401
    assert AuditEvent.objects.order_by("-seq").first().action == "api_token.rotated"


def test_token_page_needs_a_role(db, nobody):
    browser = Client()
    browser.force_login(nobody)
    assert browser.get("/api/token/").status_code == 403
    assert browser.post("/api/token/", {"password": factories.PASSWORD}).status_code == 403
    assert not Token.objects.exists()


def test_command_issues_and_revokes(db, viewer, capsys):
    call_command("api_token", "vera")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=viewer).key == key
    assert AuditEvent.objects.order_by("-seq").first().action == "api_token.issued"
    call_command("api_token", "vera", "--revoke")
    assert not Token.objects.exists()
    assert AuditEvent.objects.order_by("-seq").first().action == "api_token.revoked"
    with pytest.raises(CommandError, match="has no token"):
        call_command("api_token", "vera", "--revoke")
    with pytest.raises(CommandError, match="no user named"):
        call_command("api_token", "ghost")


def test_tokens_do_what_the_user_may_do_no_more(world, viewer):
    client = factories.api_client_for(viewer)
    dev = world.deviations["curl"][0]
    assert client.get(f"/api/deviations/{dev.pk}/").status_code == 200
    assert client.post(f"/api/deviations/{dev.pk}/notes/", {"text": "x"}).status_code == 403

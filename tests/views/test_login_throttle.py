"""Login throttling (django-axes): every password check counts, a lockout holds, and it is
on the audit trail with its unlock.

Each entry point is tried as an attacker would: many wrong passwords, then the right
one, which must be refused while the lockout lasts.  The API's token authentication has
no password to guess (keys are 160 random bits), so it has nothing to throttle.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from deviations.domain import logins
from deviations.domain.permissions import VIEWER
from deviations.models import AuditEvent
from tests import factories

ATTACKER = "203.0.113.9"
SOMEONE_ELSE = "198.51.100.7"


def _client(address: str = ATTACKER) -> Client:
    return Client(REMOTE_ADDR=address)


def _login(client: Client, username: str, password: str, url: str = "") -> int:
    response = client.post(url or reverse("login"), {"username": username, "password": password})
    return response.status_code


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_refused_and_audited(settings):
    factories.make_user("ada", roles=[VIEWER])
    client = _client()
    codes = [_login(client, "ada", f"guess-{n}") for n in range(30)]
    limit = settings.LOGIN_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the login page again, with its error
    assert set(codes[limit - 1 :]) == {429}

    response = client.post(reverse("login"), {"username": "ada", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert not _logged_in(client)
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert f"Locked for {settings.LOGIN_LOCKOUT_MINUTES} minutes" in html
    assert "manage.py unlock_logins" in html

    # One event for the lockout, not one per refused attempt.
    events = list(AuditEvent.objects.filter(action=logins.LOCKED_OUT))
    assert len(events) == 1
    event = events[0]
    assert (event.object_type, event.object_repr, event.origin) == ("user", "ada", "web")
    assert event.actor_label == f"login from {ATTACKER}"
    assert event.after["locked_by"] == ["username", "ip_address"]
    assert event.after["failures"] == {"username": limit, "ip_address": limit}
    assert event.after["ip_address"] == ATTACKER and event.after["path"] == reverse("login")


@pytest.mark.django_db
def test_the_username_is_locked_from_every_address_and_the_address_for_every_username(settings):
    factories.make_user("ada", roles=[VIEWER])
    factories.make_user("bob", roles=[VIEWER])
    for n in range(settings.LOGIN_FAILURE_LIMIT):  # spread over many addresses
        _login(_client(f"192.0.2.{n + 1}"), "ada", "wrong")
    assert _login(_client(SOMEONE_ELSE), "ada", factories.PASSWORD) == 429

    for n in range(settings.LOGIN_FAILURE_LIMIT):  # one address, many usernames
        _login(_client(), f"nobody-{n}", "wrong")
    assert _login(_client(), "bob", factories.PASSWORD) == 429
    # bob himself, from elsewhere, is not locked out.
    elsewhere = _client(SOMEONE_ELSE)
    assert _login(elsewhere, "bob", factories.PASSWORD) == 302 and _logged_in(elsewhere)
    by_address = AuditEvent.objects.filter(action=logins.LOCKED_OUT, object_type="login").get()
    assert by_address.after["locked_by"] == ["ip_address"]


@pytest.mark.django_db
def test_a_few_mistakes_do_not_lock_and_the_lockout_ends_by_itself(settings):
    factories.make_user("ada", roles=[VIEWER])
    client = _client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, "ada", "typo")
    assert _login(client, "ada", factories.PASSWORD) == 302
    client = _client()
    _login(client, "ada", "typo")  # the limit reached
    assert _login(client, "ada", factories.PASSWORD) == 429
    # The window passes (as if LOGIN_LOCKOUT_MINUTES went by without a failure).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    )
    assert _login(client, "ada", factories.PASSWORD) == 302


@pytest.mark.django_db
def test_admin_login_is_throttled_too(settings):
    factories.make_user("root", roles=[VIEWER], staff=True)
    client = _client()
    url = reverse("admin:login")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "root", "wrong", url)
    response = client.post(url, {"username": "root", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not _logged_in(client)
    event = AuditEvent.objects.get(action=logins.LOCKED_OUT)
    assert event.origin == "admin" and event.after["path"] == url


@pytest.mark.django_db
def test_the_token_page_password_check_is_throttled(settings):
    ada = factories.make_user("ada", roles=[VIEWER])
    client = _client()
    client.force_login(ada)
    url = reverse("api_token")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = client.post(url, {"password": "wrong"})
        assert response.status_code == 400
        assert "That is not your password." in response.content.decode()
    assert client.post(url, {"password": "wrong"}).status_code == 429
    response = client.post(url, {"password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not Token.objects.filter(user=ada).exists()
    event = AuditEvent.objects.get(action=logins.LOCKED_OUT)
    assert event.actor_id == ada.pk and event.after["path"] == url
    # The password check counted against ada: the login page refuses her now too.
    assert _login(_client(SOMEONE_ELSE), "ada", factories.PASSWORD) == 429


@pytest.mark.django_db
def test_unlock_logins_lifts_a_lockout_and_is_audited(settings, capsys):
    factories.make_user("ada", roles=[VIEWER])
    client = _client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "ada", "wrong")
    call_command("unlock_logins", "--list")
    listed = capsys.readouterr().out
    assert f"username ada: {settings.LOGIN_FAILURE_LIMIT} failures, locked until" in listed
    assert f"ip_address {ATTACKER}:" in listed

    call_command("unlock_logins", "--username", "ada")
    assert "Unlocked: 1 failed-login record removed." in capsys.readouterr().out
    assert _login(client, "ada", factories.PASSWORD) == 302
    event = AuditEvent.objects.get(action=logins.UNLOCKED)
    assert event.origin == "command" and event.actor_label.startswith("manage.py unlock_logins")
    assert event.object_repr == "ada"
    assert event.before == {
        "usernames": ["ada"],
        "ip_addresses": [ATTACKER],
        "failures": settings.LOGIN_FAILURE_LIMIT,
        "attempts": 1,
    }

    call_command("unlock_logins", "--username", "ada")  # nothing left: nothing recorded
    assert "Nothing to unlock" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action=logins.UNLOCKED).count() == 1


@pytest.mark.django_db
def test_axes_own_reset_commands_are_audited(settings):
    factories.make_user("ada", roles=[VIEWER])
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(_client(), "ada", "wrong")
    call_command("axes_reset_ip", ATTACKER)
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(action=logins.UNLOCKED)
    assert event.actor_label.startswith("manage.py axes_reset_ip")
    assert event.object_repr == ATTACKER


@pytest.mark.django_db
def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw(settings):
    settings.BEHIND_PROXY = True
    factories.make_user("ada", roles=[VIEWER])
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        # The client's own X-Forwarded-For entries are its say; the proxy appends the last.
        proxy.post(
            reverse("login"),
            {"username": "ada", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}",
        )
    event = AuditEvent.objects.get(action=logins.LOCKED_OUT)
    assert event.after["ip_address"] == ATTACKER

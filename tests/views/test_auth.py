"""Login is required everywhere but /health/, and a role to read; login and logout pages."""

import pytest
from django.urls import reverse

from deviations.domain.permissions import VIEWER
from tests import factories

PAGES = [
    ("overview", []),
    ("components", []),
    ("component", ["curl"]),
    ("deviations", []),
    ("sync_runs", []),
    ("audit", []),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_redirect_anonymous_users_to_login(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
def test_health_needs_no_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_login_page_and_login_with_password(client):
    factories.make_user("ada", roles=[VIEWER])
    page = client.get(reverse("login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert 'autocomplete="current-password"' in html
    response = client.post(
        reverse("login"),
        {"username": "ada", "password": factories.PASSWORD, "next": reverse("components")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("components")
    assert client.get(reverse("components")).status_code == 200


@pytest.mark.django_db
def test_wrong_password_shows_an_error_and_stays_logged_out(client):
    factories.make_user("ada")
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get(reverse("overview")).status_code == 302


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client_in):
    page = client_in.get(reverse("overview")).content.decode()
    assert f'action="{reverse("logout")}"' in page
    assert client_in.post(reverse("logout")).status_code == 302
    assert client_in.get(reverse("overview")).status_code == 302


@pytest.mark.django_db
def test_pages_carry_csrf_token_for_htmx_and_no_inline_script_or_style(client_in):
    html = client_in.get(reverse("overview")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "<script>" not in html
    assert " style=" not in html
    assert "htmx.min.js" in html
    assert '"allowEval":false' in html


@pytest.mark.django_db
def test_an_account_without_a_role_logs_in_to_a_page_saying_so_and_can_log_out(client):
    factories.make_user("nora")
    response = client.post(
        reverse("login"), {"username": "nora", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("overview"), 302)]
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your account, <strong>nora</strong>, has no role in azldrift; ask an admin." in html
    assert "viewer" in html and "reads everything" in html
    # No links to pages the account cannot open; only the way out.
    assert 'aria-label="Main"' not in html
    assert reverse("components") not in html
    assert f'action="{reverse("logout")}"' in html
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("overview")).status_code == 302  # logged out: to the login page

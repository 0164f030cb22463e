"""Who gets in: 401 without credentials (with WWW-Authenticate), 403 without a role."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from deviations.models import Review
from tests import factories

READS = [
    "/api/components/",
    "/api/components/curl/",
    "/api/drift/",
    "/api/drift/curl/",
    "/api/deviations/",
    "/api/reviews/",
    "/api/sync-runs/",
    "/api/audit-events/",
    "/api/exports/deviations.csv",
    "/api/schema/",
]


@pytest.mark.parametrize("url", READS)
def test_unauthenticated_is_401_with_a_challenge(world, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/deviations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_an_inactive_users_token_is_401(world, viewer):
    client = factories.api_client_for(viewer)
    viewer.is_active = False
    viewer.save()
    assert client.get("/api/deviations/").status_code == 401


@pytest.mark.parametrize("url", READS)
def test_a_user_without_a_role_is_403(world, nobody, url):
    response = factories.api_client_for(nobody).get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("url", READS)
def test_a_viewer_reads(world, as_viewer, url):
    assert as_viewer.get(url).status_code == 200


def test_the_browser_session_works_too(world, viewer):
    client = Client()
    client.force_login(viewer)
    assert client.get("/api/deviations/").status_code == 200


def test_session_writes_need_the_csrf_token(world, reviewer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    dev = world.deviations["curl"][2]
    response = browser.post(
        f"/api/deviations/{dev.pk}/reviews/",
        {
            "decision": "changes-requested",
            "comment": "split it",
            "fingerprint": dev.fingerprint,
            "effect_hash": dev.effect_hash,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Review.objects.exists()
    # A token client is not a browser: no CSRF token needed.
    response = factories.api_client_for(reviewer).post(
        f"/api/deviations/{dev.pk}/reviews/",
        {
            "decision": "changes-requested",
            "comment": "split it",
            "fingerprint": dev.fingerprint,
            "effect_hash": dev.effect_hash,
        },
        format="json",
    )
    assert response.status_code == 201


def test_docs_page_is_for_logged_in_users_and_loads_nothing_from_elsewhere(world, viewer):
    client = Client()
    assert client.get("/api/docs/").status_code == 302  # to the login page
    client.force_login(viewer)
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html and "<script>" not in html  # nothing inline (CSP)
    assert "//cdn" not in html and "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()

"""404, 403 and 500 pages are azldrift's own (in the site's frame, with a way back)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path, reverse

from azldrift.urls import urlpatterns as project_urls


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [*project_urls, path("t/forbidden/", _forbidden), path("t/broken/", _broken)]


@pytest.mark.django_db
def test_404_is_the_project_page(client_in):
    response = client_in.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html
    assert 'class="topbar"' in html
    assert f'href="{reverse("overview")}"' in html


@pytest.mark.django_db
def test_unknown_component_is_a_404_page(client_in):
    response = client_in.get(reverse("component", args=["no-such-package"]))
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_403_is_the_project_page(client_in):
    response = client_in.get("/t/forbidden/")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_500_is_the_project_page(teammate):
    client = Client(raise_request_exception=False)
    client.force_login(teammate)
    response = client.get("/t/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert "boom" not in html  # no internals leak


@pytest.mark.django_db
def test_csrf_failure_is_the_project_page(teammate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teammate)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()

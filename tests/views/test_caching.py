"""What a signed-in user reads is `Cache-Control: private, no-store`: pages, fragments,
the API (session or token), CSV downloads; /health/ and static files keep their own."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.support import HX

pytestmark = pytest.mark.django_db
PRIVATE = "private, no-store"


@pytest.mark.parametrize(
    "url",
    ["/", "/components/", "/deviations/", "/audit/", "/people/", "/api/token/", "/no/such/page/"],
)
def test_pages_to_a_signed_in_user_are_private_and_not_stored(client_in, url):
    assert client_in.get(url)["Cache-Control"] == PRIVATE


def test_fragments_api_answers_and_exports_too(client_in, teammate):
    assert client_in.get(reverse("components"), **HX)["Cache-Control"] == PRIVATE
    assert client_in.get("/api/components/")["Cache-Control"] == PRIVATE  # by session
    assert (
        factories.api_client_for(teammate).get("/api/components/")["Cache-Control"] == PRIVATE
    )  # by token
    assert client_in.get("/exports/components.csv")["Cache-Control"] == PRIVATE


def test_health_and_static_files_keep_their_own(client_in):
    assert not client_in.get(reverse("health")).has_header("Cache-Control")
    static = client_in.get("/static/css/app.css")
    assert static.status_code == 200 and static["Cache-Control"] != PRIVATE


def test_anonymous_answers_are_left_alone():
    anonymous = Client()
    assert not anonymous.get("/api/components/").has_header("Cache-Control")  # 401
    assert not anonymous.get(reverse("health")).has_header("Cache-Control")

"""Users with roles and tokens, API clients, and a small data set for the API tests."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from deviations.permissions import ADMIN, REVIEWER, VIEWER
from tests import factories
from tests.reviews import factories as people


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    """An API client authenticated with the user's own token (as a tool would be)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def viewer(db):
    return people.user("vera", VIEWER)


@pytest.fixture
def reviewer(db):
    return people.user("rita", REVIEWER, email="rita@example.com")


@pytest.fixture
def admin_user(db):
    return people.user("ada", ADMIN, is_staff=True)


@pytest.fixture
def nobody(db):
    return people.user("nora")


@pytest.fixture
def as_viewer(viewer):
    return client_for(viewer)


@pytest.fixture
def as_reviewer(reviewer):
    return client_for(reviewer)


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)


@pytest.fixture
def world(db):
    return factories.world(extra_components=4)

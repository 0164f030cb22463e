"""Users with roles and tokens, API clients, and a small data set for the API tests.

`viewer` and `reviewer` come from tests/conftest.py.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from deviations.domain.permissions import ADMIN
from tests import factories
from tests.reviews import factories as people


def client_for(user) -> APIClient:
    """An API client authenticated with the user's own token (as a tool would be)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


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

"""Users and a logged-in client for the page tests (roles come with the review workflow)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories


@pytest.fixture
def owner(db):
    return factories.user("owner", staff=True)


@pytest.fixture
def teammate(db):
    return factories.user("teammate")


@pytest.fixture
def client_in(client, teammate):
    """A client logged in as an ordinary (non-staff) user."""
    client.force_login(teammate)
    return client


@pytest.fixture
def count_queries():
    """count_queries(fn) -> number of queries fn() ran."""

    def run(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return run


HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.5 s per user; these tests are about pages, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

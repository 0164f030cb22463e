"""Users with and without roles and a logged-in client for the page tests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deviations.domain.permissions import ADMIN, VIEWER
from tests import factories


@pytest.fixture
def owner(db):
    """Runs the instance: the admin role and the Django admin."""
    return factories.make_user("owner", roles=[ADMIN], staff=True)


@pytest.fixture
def teammate(db):
    """Reads everything: the viewer role."""
    return factories.make_user("teammate", roles=[VIEWER])


@pytest.fixture
def outsider(db):
    """Has an account but no role yet: reads nothing."""
    return factories.make_user("outsider")


@pytest.fixture
def rita(client, reviewer):
    """The reviewer (tests/conftest.py), logged in."""
    client.force_login(reviewer)
    return reviewer


@pytest.fixture
def client_in(client, teammate):
    """A client logged in as an ordinary (viewer, non-staff) user."""
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

"""Token-authenticated API clients for the users of tests/conftest.py, and the data set."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def as_viewer(viewer):
    return factories.api_client_for(viewer)


@pytest.fixture
def as_reviewer(reviewer):
    return factories.api_client_for(reviewer)


@pytest.fixture
def as_admin(admin_user):
    return factories.api_client_for(admin_user)


@pytest.fixture
def world(db):
    return factories.make_world(extra_components=4)

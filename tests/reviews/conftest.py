"""Users for the review tests beside `viewer` and `reviewer` (tests/conftest.py)."""

import pytest

from deviations.domain.permissions import ADMIN, REVIEWER
from tests.reviews import factories


@pytest.fixture
def second_reviewer(db):
    return factories.user("rob", REVIEWER)


@pytest.fixture
def admin_role(db):
    return factories.user("ada", ADMIN, is_staff=True)

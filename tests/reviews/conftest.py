"""A second reviewer for the review tests, beside the users of tests/conftest.py."""

import pytest

from deviations.domain.permissions import REVIEWER
from tests import factories


@pytest.fixture
def second_reviewer(db):
    return factories.make_user("rob", roles=[REVIEWER])

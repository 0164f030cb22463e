import pytest

from deviations.permissions import ADMIN, REVIEWER, VIEWER
from tests.reviews import factories


@pytest.fixture
def viewer(db):
    return factories.user("vera", VIEWER)


@pytest.fixture
def reviewer(db):
    return factories.user("rita", REVIEWER, email="rita@example.com")


@pytest.fixture
def second_reviewer(db):
    return factories.user("rob", REVIEWER)


@pytest.fixture
def admin_role(db):
    return factories.user("ada", ADMIN, is_staff=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Real hashing costs ~0.3 s a user; these tests are about rules, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

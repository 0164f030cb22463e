import pytest

from tests.support import shared_path


@pytest.fixture
def real_config_dir():
    """The real Azure Linux 4.0 config tree from ../shared."""
    return shared_path("data", "azurelinux-4.0", "config")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let the test database be flushed (TRUNCATE) despite the audit trail's guard.

    Migration 0002 refuses TRUNCATE of the audit tables unless the session sets
    `azldrift.allow_truncate`; transactional tests flush with TRUNCATE, so the
    test database (only) gets the setting for every new session.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                name = connection.ops.quote_name(connection.settings_dict["NAME"])
                cursor.execute(f"ALTER DATABASE {name} SET azldrift.allow_truncate = 'on'")
                cursor.execute("SET azldrift.allow_truncate = 'on'")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Pages use {% static %}; tests run without collectstatic, so without a manifest.
    And rules, not hashing, are under test: real hashing costs ~0.3 s a user."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def viewer(db):
    """Reads everything (created through the audited people service)."""
    from deviations.domain.permissions import VIEWER
    from tests.reviews import factories

    return factories.user("vera", VIEWER)


@pytest.fixture
def reviewer(db):
    """Reviews; her account e-mail counts as her git identity (four-eyes tests)."""
    from deviations.domain.permissions import REVIEWER
    from tests.reviews import factories

    return factories.user("rita", REVIEWER, email="rita@example.com")

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Rules, not hashing, are under test here; and pages render without collectstatic.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

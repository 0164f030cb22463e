"""Fixtures every folder shares: test settings, the database set-up, users by role, the
known export data set, upstream repositories and a private mirror cache for syncs.
The records themselves are built by tests/factories."""

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings

from tests import factories
from tests.support import allow_audit_reset, shared_path


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """The one place the tests' settings differ from the app's, for the whole session
    (session-scoped fixtures and live servers included).  Pages use {% static %}; tests
    run without collectstatic, so without a manifest.  And rules, not hashing, are under
    test: real hashing costs ~0.3 s a user, MD5 nothing."""
    from django.conf import settings

    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the overview caches its counts per audit chain
    head (and day), and two tests with a frozen clock can build the very same chain."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def real_config_dir():
    """The real Azure Linux 4.0 config tree from ../shared."""
    return shared_path("data", "azurelinux-4.0", "config")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let the test database be flushed (TRUNCATE) despite the audit trail's guard.

    Migration 0008 refuses TRUNCATE of the audit tables unless the current user is a
    member of the role azldrift_test_reset; transactional tests flush with TRUNCATE, so
    the test user (only) is made one.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            allow_audit_reset(connection)


# --- people ----------------------------------------------------------------------------


@pytest.fixture
def viewer(db):
    """Reads everything."""
    from deviations.domain.permissions import VIEWER

    return factories.make_user("vera", roles=[VIEWER])


@pytest.fixture
def reviewer(db):
    """Reviews; her account e-mail counts as her git identity (four-eyes tests)."""
    from deviations.domain.permissions import REVIEWER

    return factories.make_user("rita", roles=[REVIEWER], email="rita@example.com")


@pytest.fixture
def admin_user(db):
    """Manages users and starts syncs: the admin role and the Django admin."""
    from deviations.domain.permissions import ADMIN

    return factories.make_user("ada", roles=[ADMIN], staff=True)


@pytest.fixture
def nobody(db):
    """Logged in, but holding no role: reads nothing."""
    return factories.make_user("nora")


# --- data sets -------------------------------------------------------------------------


@pytest.fixture
def known(db):
    """factories.known_records(): every value fixed, for exact export files."""
    return factories.known_records()


# --- syncs -----------------------------------------------------------------------------


@pytest.fixture
def sync_cache(settings, tmp_path):
    """Mirrors in a fresh cache folder per test; no retries to wait for (autouse in
    tests/sync, asked for by the sync commands' tests)."""
    settings.CACHE_DIR = tmp_path / "cache"
    settings.SYNC_GIT_RETRIES = 0
    settings.SYNC_WORKERS = 3
    return settings.CACHE_DIR


@pytest.fixture
def upstream(tmp_path) -> factories.UpstreamFolder:
    """A folder of upstream repositories and its file:// $pkg template."""
    return factories.UpstreamFolder(tmp_path / "distgit")


# --- owners and acknowledgements --------------------------------------------------------


@pytest.fixture
def clock(time_machine):
    """Time frozen at noon UTC on 2026-12-07 (tests.ownership.helpers.TODAY), by
    time-machine (the real clock functions, patched); `clock.move_to(...)` travels."""
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False)
    return time_machine


@pytest.fixture
def drifting(db, clock):
    """A component three commits behind its tip with one deviation failing at the tip, one
    a no-op there and one flagged obsolete (tests.ownership.helpers.Drifting)."""
    from deviations.models import Verdict
    from tests.ownership.helpers import Drifting

    comp = factories.make_component("bash")
    run = factories.make_sync_run()
    sync = factories.make_component_sync(comp, run, behind=3, failing_at_tip=1, noop_at_tip=1)
    applied = Verdict.APPLIED  # at the pin: what the build has today
    failing = factories.make_deviation(comp, verdict_at_pin=applied, verdict_at_tip=Verdict.FAILED)
    noop = factories.make_deviation(comp, verdict_at_pin=applied, verdict_at_tip=Verdict.NOOP)
    obsolete = factories.make_deviation(
        comp, verdict_at_pin=applied, obsolete=True, obsolete_reason="Fedora carries it since 1.2.4"
    )
    return Drifting(comp, sync, failing, noop, obsolete)

"""Every sync test mirrors into a private cache (the fixture is in tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _private_cache(sync_cache):
    return sync_cache

import pytest

from tests.support import shared_path


@pytest.fixture
def real_config_dir():
    """The real Azure Linux 4.0 config tree from ../shared."""
    return shared_path("data", "azurelinux-4.0", "config")

import pytest

from tests.sync.repos import UpstreamRepo, spec_text


@pytest.fixture(autouse=True)
def sync_cache(settings, tmp_path):
    """Mirrors in a fresh cache folder per test; no retries to wait for."""
    settings.CACHE_DIR = tmp_path / "cache"
    settings.SYNC_GIT_RETRIES = 0
    settings.SYNC_WORKERS = 3
    return settings.CACHE_DIR


@pytest.fixture
def upstream(tmp_path):
    """A folder of upstream repositories and its file:// $pkg template."""

    class Upstream:
        root = tmp_path / "distgit"
        template = (tmp_path / "distgit").as_uri() + "/$pkg.git"

        def repo(self, name: str) -> UpstreamRepo:
            return UpstreamRepo(self.root, name)

        def standard(self, name: str, drift: int = 0, version: str = "1.0") -> UpstreamRepo:
            """Import before the snapshot, `drift` commits after it."""
            repo = self.repo(name)
            spec = f"{name}.spec"
            repo.commit(
                "f43",
                {spec: spec_text(name, "0.9"), "sources": "x\n"},
                "Initial import",
                "2025-11-01T12:00:00Z",
            )
            repo.commit(
                "f43",
                {spec: spec_text(name, version)},
                f"Update to {version}",
                "2026-01-15T12:00:00Z",
            )
            for i in range(drift):
                repo.commit(
                    "f43",
                    {spec: spec_text(name, version, f"{i + 2}%{{?dist}}")},
                    f"Rebuilt ({i + 1})",
                    f"2026-03-{i + 2:02d}T00:00:00Z",
                )
            return repo

    Upstream.root.mkdir()
    return Upstream()

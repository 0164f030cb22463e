"""demo/confighistory.py: the demo config's git history, derived from demo/config/.

The builder must give the same commit ids on every run, end exactly at demo/config/,
and tell whoever edits demo/config/ what to change when the history no longer fits.
Imported commit by commit, it gives the provenance the demo shows.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deviations.domain.importer import import_config
from deviations.management.commands.demo import config_history
from deviations.models import Deviation, ImportRun

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "demo" / "config"
history = config_history()


def git(git_dir: Path | str, *args: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=True
    ).stdout


def tip_files(git_dir: str) -> dict[str, bytes]:
    listing = git(git_dir, "ls-tree", "-r", "-z", "HEAD").decode().strip("\0").split("\0")
    files = {}
    for entry in listing:
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        assert (mode, kind) == ("100644", "blob"), entry
        files[path] = git(git_dir, "cat-file", "blob", blob)
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return history.build(tmp_path_factory.mktemp("history") / "config.git")


def test_same_ids_every_time_and_the_tip_is_demo_config(built, tmp_path):
    again = history.build(tmp_path / "again.git")
    assert again["commits"] == built["commits"] and again["head"] == built["head"]
    disk = {
        p.relative_to(CONFIG).as_posix(): p.read_bytes() for p in CONFIG.rglob("*") if p.is_file()
    }
    assert tip_files(built["path"]) == disk
    # Building over an existing repository with the same tip leaves it alone.
    before = Path(built["path"], "HEAD").stat().st_ino
    assert history.build(built["path"])["head"] == built["head"]
    assert Path(built["path"], "HEAD").stat().st_ino == before


def test_a_realistic_history(built):
    log = git(
        built["path"], "log", "--reverse", "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%aI%x00%s"
    )
    commits = [line.split("\0") for line in log.decode().splitlines()]
    assert [c[0] for c in commits] == list(built["commits"].values())
    assert 6 <= len(commits) <= 10
    authors = {c[2] for c in commits}
    assert len(authors) in (3, 4) and all(a.endswith("@demo.azldrift.invalid") for a in authors)
    assert built["reviewer"]["email"] in authors
    for sha, name, email, committer, committer_email, date, subject in commits:
        assert (committer, committer_email) == (name, email), sha
        assert dt.datetime(2026, 1, 1, tzinfo=dt.UTC) <= dt.datetime.fromisoformat(date)
        assert dt.datetime.fromisoformat(date) < dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
        assert re.match(r"(feat|fix|build|chore|docs)(\([a-z0-9-]+\))?: \S", subject), subject
    dates = [dt.datetime.fromisoformat(c[5]) for c in commits]
    assert dates == sorted(dates)


def test_a_history_that_does_not_end_at_the_config_is_refused(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "base" / "comps" / "new.comp.toml").write_text("[components.new]\n")
    with pytest.raises(history.HistoryError, match=r"not written by any commit: base/comps/new"):
        history.trees(config=config)

    shutil.rmtree(config)
    shutil.copytree(CONFIG, config)
    chrony = config / "base" / "comps" / "chrony" / "chrony.comp.toml"
    chrony.write_text(
        chrony.read_text().replace("configured for the Azure", "set up for the Azure")
    )
    with pytest.raises(history.HistoryError, match=r"commit 'chrony': .*chrony.comp.toml"):
        history.trees(config=config)


@pytest.mark.django_db
def test_every_commit_imports_and_gives_provenance(built, settings, tmp_path):
    settings.CACHE_DIR = tmp_path / "cache"
    for sha in built["commits"].values():
        import_config(built["path"], ref=sha)
        assert ImportRun.latest().commit.sha == sha
    commits = built["commits"]
    assert not Deviation.objects.filter(removed=False, introduced_commit__isnull=True).exists()

    # An overlay changed after it was introduced: two commits, two versions.
    summary = Deviation.objects.get(component__name="chrony", overlay_type="spec-update-tag")
    assert summary.introduced_commit.sha == commits["chrony"]
    assert summary.changed_commit.sha == commits["chrony-summary"]
    assert summary.introduced_commit.author_email != summary.changed_commit.author_email
    assert summary.versions.count() == 2

    # One removed, with its history.
    removed = Deviation.objects.get(removed=True)
    assert removed.component.name == "python-requests"
    assert removed.introduced_commit.sha == commits[history.REVIEWED]
    assert removed.versions.count() == 1

    # The reviewer's identity authored some deviations (four eyes has something to refuse).
    mine = Deviation.objects.filter(
        removed=False, introduced_commit__author_email=built["reviewer"]["email"]
    )
    assert 0 < mine.count() < Deviation.objects.filter(removed=False).count() / 2

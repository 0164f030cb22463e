"""Config commits whose author or subject holds \\x01 or NUL: read, recorded, shown escaped.

`git log --format=...%x01...` used to be split on \\x01, so such a commit crashed
`import_config`; a NUL (which `git hash-object --literally` writes) cannot be stored
by PostgreSQL.  Commits are now read from their objects, and their text is kept with
control characters escaped (`\\x01`), on every database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deviations.core.config.history import commit_log
from deviations.domain.importer import import_config
from deviations.models import AuditEvent, ConfigCommit, Deviation
from tests.factories import (
    MINIMAL_CONFIG,
    ConfigRepo,
    bare_git,
    work_tree_git,
    write_config_tree,
)

pytestmark = pytest.mark.django_db

OVERLAY = (
    '[components.{name}]\n[[components.{name}.overlays]]\ndescription = "{name}"\n'
    'type = "spec-add-tag"\ntag = "Provides"\nvalue = "{name}-azl"\n'
)


def literal_commit(repo: Path, files: dict[str, str], author: bytes, message: bytes) -> str:
    """A commit git itself would refuse to write (NUL in the author and the message)."""
    write_config_tree(repo, files, base=False)
    work_tree_git(repo, "add", "-A")
    tree = work_tree_git(repo, "write-tree").strip()
    parent = work_tree_git(repo, "rev-parse", "HEAD").strip()
    body = (
        f"tree {tree}\nparent {parent}\n".encode()
        + b"author "
        + author
        + b" 1768039200 +0100\ncommitter CI <ci@example.org> 1768039200 +0000\n\n"
        + message
    )
    sha = bare_git(
        repo / ".git", "hash-object", "-t", "commit", "--literally", "-w", "--stdin", input=body
    )
    work_tree_git(repo, "update-ref", "HEAD", sha.strip())
    return sha.strip()


@pytest.fixture
def repo(tmp_path, settings):
    settings.CACHE_DIR = tmp_path / "cache"
    repo = ConfigRepo(tmp_path / "config")
    commits = {"first": repo.commit(MINIMAL_CONFIG, "first")}
    commits["soh"] = repo.commit(
        {"comps/x/x.comp.toml": OVERLAY.format(name="x")},
        "fix(x): add\x01the tag",
        who="Ev\x01il",
    )
    commits["nul"] = literal_commit(
        repo.path,
        {"comps/y/y.comp.toml": OVERLAY.format(name="y")},
        b"Nul\x00Name <nul\x00@example.org>",
        b"\n\nfeat(y): a NUL\x00here\nand a second line\n\nbody\x00\n",
    )
    return repo, commits


def test_the_log_keeps_each_commit_whole(repo):
    config, commits = repo
    log = {info.sha: info for info, _ in commit_log(str(config.path / ".git"), "HEAD")}
    soh, nul = log[commits["soh"]], log[commits["nul"]]
    assert (soh.author_name, soh.author_email, soh.subject) == (
        "Ev\\x01il",
        "ev\\x01il@example.org",
        "fix(x): add\\x01the tag",
    )
    # git's subject: the first paragraph, lines joined by a space.
    assert (nul.author_name, nul.author_email, nul.subject) == (
        "Nul\\x00Name",
        "nul\\x00@example.org",
        "feat(y): a NUL\\x00here and a second line",
    )
    assert nul.authored_at.isoformat() == "2026-01-10T11:00:00+01:00"
    assert nul.committed_at.isoformat() == "2026-01-10T10:00:00+00:00"
    # Every other field as `git log` formats it.
    shown = work_tree_git(config.path, "log", "-1", "--format=%aI|%cI|%s", commits["soh"]).strip()
    assert shown == f"{soh.authored_at.isoformat()}|{soh.committed_at.isoformat()}|" + (
        "fix(x): add\x01the tag"
    )


def test_import_records_and_shows_them_escaped(repo, client, viewer):
    config, commits = repo
    result = import_config(str(config.path), ref="HEAD")
    assert result.commit == commits["nul"]
    soh = ConfigCommit.objects.get(sha=commits["soh"])
    assert (soh.author_name, soh.subject) == ("Ev\\x01il", "fix(x): add\\x01the tag")
    nul = ConfigCommit.objects.get(sha=commits["nul"])
    assert (nul.author_name, nul.author_email) == ("Nul\\x00Name", "nul\\x00@example.org")
    x = Deviation.objects.get(component__name="x")
    y = Deviation.objects.get(component__name="y")
    assert (x.introduced_commit, y.introduced_commit) == (soh, nul)
    assert AuditEvent.objects.filter(action="deviation.created").count() == 2

    client.force_login(viewer)
    for sha, shown in ((commits["soh"], "Ev\\x01il"), (commits["nul"], "Nul\\x00Name")):
        page = client.get(f"/commits/{sha}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert shown in html and "\x00" not in html and "\x01" not in html
    page = client.get(f"/deviations/{y.pk}/").content.decode()
    assert "feat(y): a NUL\\x00here" in page and "\x00" not in page

"""Reading files of the imported config tree (overlay `source` files, local specs).

The latest `ImportRun` says where the records come from: a folder on disk
(`source`), or a git repository (`summary["git_dir"]`) at a commit
(`summary["commit"]`), which is read straight from git objects.  An import that
changes nothing writes no run, so the latest one still describes the records; the
same config imported from another place is recorded as a run of its own (with a
`config.source-moved` event), so the latest run never names a place the config
has left.  Paths are
root-relative and confined to the tree.  What was imported is pinned by the sha256
the import stored in each deviation's content, and render.read_checked compares
against it, so a folder edited after the import is reported, not silently used.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path

from deviations.core.config.source import DirectorySource, Limits, SourceError
from deviations.core.distgit import DistGitError
from deviations.core.distgit.gitcmd import GitCommandError, run_git
from deviations.models import ImportRun
from deviations.vocabulary import SyncIssue

Reader = Callable[[str], bytes]


class ConfigUnavailable(DistGitError):
    def __init__(self, message: str) -> None:
        super().__init__(SyncIssue.CONFIG_UNAVAILABLE, message)


def _confined(path: str) -> str:
    cleaned = posixpath.normpath(path)
    if not path or path.startswith(("/", "-")) or cleaned == ".." or cleaned.startswith("../"):
        raise ConfigUnavailable(f"{path!r} is not a path inside the config tree")
    return cleaned


def _unavailable(message: str) -> Reader:
    def read(path: str) -> bytes:
        raise ConfigUnavailable(f"cannot read {path} from the imported config: {message}")

    return read


def _folder_reader(folder: Path, limit: int) -> Reader:
    source = DirectorySource(folder)

    def read(path: str) -> bytes:
        path = _confined(path)
        if not source.is_file(path):
            raise DistGitError(
                SyncIssue.CONFIG_CHANGED,
                f"{path} is not in the imported config folder {folder} (moved or deleted since "
                "the import?)",
            )
        try:
            return source.read(path, limit)
        except SourceError as exc:
            raise ConfigUnavailable(str(exc)) from None

    return read


def _git_reader(git_dir: str, commit: str, limit: int) -> Reader:
    def read(path: str) -> bytes:
        path = _confined(path)
        try:
            size = int(
                run_git(["cat-file", "-s", f"{commit}:{path}"], git_dir=git_dir).stdout.strip()
            )
            if size > limit:
                raise ConfigUnavailable(f"{path} is {size:,} bytes, more than {limit:,}")
            return run_git(["cat-file", "blob", f"{commit}:{path}"], git_dir=git_dir).stdout
        except GitCommandError:
            raise DistGitError(
                SyncIssue.CONFIG_CHANGED,
                f"{path} is not in the imported config at commit {commit[:12]}",
            ) from None

    return read


def config_reader() -> Reader:
    """A reader for the tree of the latest import (problems are raised per file read)."""
    run = ImportRun.latest()
    if run is None:
        return _unavailable("nothing has been imported yet")
    limit = Limits().max_source_bytes
    location = run.location
    if "git_dir" in location:
        git_dir = location["git_dir"]
        if not Path(git_dir).is_dir():
            return _unavailable(f"the imported repository {git_dir} is gone (re-import)")
        return _git_reader(git_dir, run.summary["commit"], limit)
    folder = Path(location["folder"])
    if folder.is_dir():
        return _folder_reader(folder, limit)
    return _unavailable(f"the import source {run.source!r} is not a folder on this machine")

"""Reading files of the imported config tree (overlay `source` files, local specs).

The import records where the config came from (`ImportRun.source`, and the commit for
a git source); the sync reads `patch-add`/`file-add` sources and local specs from
there, by root-relative path, confined to the tree.  What was imported is pinned by
the sha256 the import stored in each deviation's content, and render.read_checked
compares against it, so a tree edited after the import is reported, not silently used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.config.source import DirectorySource, Limits, SourceError
from ..core.distgit import DistGitError, ErrorKind
from ..models import ImportRun

Reader = Callable[[str], bytes]


class ConfigUnavailable(DistGitError):
    def __init__(self, message: str) -> None:
        super().__init__("config-unavailable", message)


def _unavailable(message: str) -> Reader:
    def read(path: str) -> bytes:
        raise ConfigUnavailable(f"cannot read {path} from the imported config: {message}")

    return read


def config_reader() -> Reader:
    """A reader for the tree of the latest import (errors are raised per file read)."""
    run = ImportRun.objects.order_by("-started_at", "-pk").first()
    if run is None:
        return _unavailable("nothing has been imported yet")
    limit = Limits().max_source_bytes
    folder = Path(run.source)
    if folder.is_dir():
        source = DirectorySource(folder)

        def read(path: str) -> bytes:
            try:
                if not source.is_file(path):
                    raise DistGitError(
                        ErrorKind.SPEC_MISSING if path.endswith(".spec") else "config-changed",
                        f"{path} is not in the imported config tree {folder} (moved or deleted "
                        "since the import?)",
                    )
                return source.read(path, limit)
            except SourceError as exc:
                raise ConfigUnavailable(str(exc)) from None

        return read
    return _unavailable(f"the import source {run.source!r} is not a folder on this machine")

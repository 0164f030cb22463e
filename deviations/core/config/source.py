"""Where config files come from: a folder, or a tree in a git repository.

Both kinds answer the same few questions with paths relative to the config root
("base/comps/foo/foo.comp.toml"), which keeps every path the config names confined:
a path that leaves the root is refused before anything is read.  Globs are azldev's
doublestar globs (the overlay engine's matcher): `*`, `?`, `[...]`, `{a,b}` within a
path segment, `**` for any number of segments; they match files only, in path order.
"""

from __future__ import annotations

import bisect
import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..overlays import glob as doublestar

GLOB_CHARS = frozenset("*?[{")


@dataclass(frozen=True)
class Limits:
    """How much config azldrift reads before refusing it as hostile or broken."""

    max_file_bytes: int = 8 * 1024 * 1024  # one TOML file
    max_total_bytes: int = 128 * 1024 * 1024  # all TOML files together
    max_files: int = 20_000  # TOML files in one config
    max_include_depth: int = 32
    max_source_bytes: int = 64 * 1024 * 1024  # a patch, a file-add source or a local spec
    max_components: int = 200_000  # components declared in all files together


class SourceError(Exception):
    """A path or file the config names cannot be used (escapes the root, too big, ...)."""


class FileTooLarge(SourceError):
    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(
            f"{path} is {size:,} bytes, more than the limit of {limit:,} bytes; refusing to read it"
        )


class ConfigSource(Protocol):
    """Read-only access to a config tree."""

    def describe(self) -> str: ...

    def files_under(self, folder: str) -> list[str]:
        """Every file below `folder` ("" for the root), sorted, relative to the root."""
        ...

    def is_file(self, path: str) -> bool: ...

    def read(self, path: str, limit: int) -> bytes: ...

    def identity(self, path: str) -> str | None:
        """A content id that changes when the file does (git blob id), or None."""
        ...

    def absolute(self, folder: str) -> str:
        """A folder as the overlay engine resolves `source` against (see Overlay.base_dir)."""
        ...


def join(base: str, path: str) -> str | None:
    """`path` (relative to folder `base`) as a root-relative path; None if it leaves the root."""
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    if joined == ".":
        return ""
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


class DirectorySource:
    """A config tree in a folder on disk (symlinks may not point out of it)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self._listing: dict[str, list[str]] = {}

    def describe(self) -> str:
        return str(self.root)

    def relative(self, absolute: str) -> str | None:
        """An absolute path inside the root as a root-relative path, else None."""
        try:
            rel = Path(os.path.normpath(absolute)).relative_to(self.root)
        except ValueError:
            return None
        return rel.as_posix() if str(rel) != "." else ""

    def _inside(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except (ValueError, OSError):
            return False
        return True

    def files_under(self, folder: str) -> list[str]:
        cached = self._listing.get(folder)
        if cached is not None:
            return cached
        base = self.root / folder if folder else self.root
        found: list[str] = []
        if base.is_dir() and self._inside(base):
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [d for d in dirnames if d != ".git"]
                rel_dir = Path(dirpath).relative_to(self.root).as_posix()
                prefix = "" if rel_dir == "." else rel_dir + "/"
                for name in filenames:
                    full = Path(dirpath, name)
                    if full.is_symlink() and not self._inside(full):
                        continue
                    found.append(prefix + name)
        found.sort()
        self._listing[folder] = found
        return found

    def is_file(self, path: str) -> bool:
        return (self.root / path).is_file()  # read() refuses what leads outside

    def read(self, path: str, limit: int) -> bytes:
        full = self.root / path
        if not self._inside(full):
            raise SourceError(f"{path} points outside the config tree")
        size = full.stat().st_size
        if size > limit:
            raise FileTooLarge(path, size, limit)
        with open(full, "rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:  # grew while we looked
            raise FileTooLarge(path, len(data), limit)
        return data

    def identity(self, path: str) -> str | None:
        return None

    def absolute(self, folder: str) -> str:
        return str(self.root / folder) if folder else str(self.root)


class TreeSource:
    """A config tree inside a git commit: paths -> blob ids, bytes fetched on demand.

    `fetch(path, blob_id, limit)` returns a blob's bytes and raises FileTooLarge when it
    is bigger than `limit`.  Symlinks and submodules are simply not in `entries`, so
    nothing can lead out of the tree.
    """

    def __init__(
        self,
        entries: dict[str, str],  # path -> blob id
        fetch: Callable[[str, str, int], bytes],
        label: str,
    ) -> None:
        self.entries = entries
        self.fetch = fetch  # replaceable: a finished walk swaps in a reader of its own
        self._label = label
        self._sorted: list[str] | None = None

    def describe(self) -> str:
        return self._label

    def files_under(self, folder: str) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.entries)
        if not folder:
            return self._sorted
        prefix = folder + "/"
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, folder + "0")  # "0" sorts right after "/"
        return self._sorted[start:end]

    def is_file(self, path: str) -> bool:
        return path in self.entries

    def read(self, path: str, limit: int) -> bytes:
        blob = self.entries.get(path)
        if blob is None:
            raise SourceError(f"{path} does not exist")
        return self.fetch(path, blob, limit)

    def identity(self, path: str) -> str | None:
        return self.entries.get(path)

    def absolute(self, folder: str) -> str:
        # There is no folder on disk; the engine reads sources through the Config.
        return folder


# --- globs ----------------------------------------------------------------------------


def has_glob(pattern: str) -> bool:
    """azldev's rule: a pattern with `*`, `?` or `[` is a glob; anything else is a literal path."""
    return any(ch in pattern for ch in "*?[")


def validate_glob(pattern: str) -> str | None:
    """None when `pattern` is a valid doublestar glob, else what is wrong with it."""
    try:
        doublestar.check(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def glob(source: ConfigSource, pattern: str) -> list[str]:
    """Files matching a root-relative glob, sorted by path."""
    segments = pattern.split("/")
    fixed: list[str] = []
    for segment in segments[:-1]:
        if any(ch in GLOB_CHARS for ch in segment):
            break
        fixed.append(segment)
    folder = "/".join(fixed)
    doublestar.check(pattern)  # ValueError (GlobError) when malformed
    return [path for path in source.files_under(folder) if doublestar.match_path(pattern, path)]


def sort_by_basename(paths: Iterable[str]) -> list[str]:
    """azldev's order for overlay files: by file name, then by full path."""
    return sorted(paths, key=lambda p: (posixpath.basename(p), p))

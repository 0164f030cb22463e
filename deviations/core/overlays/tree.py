"""A component's sources: relative path -> content, plus modes and symlinks.

The sync job builds trees straight from git blobs; the command line loads one from a
folder (see `disk`).  Paths are `/`-separated, relative, normalised (no `.`/`..`).
Content is bytes, except inside a large source archive, whose members stream to a
file on disk while it is extracted (`OnDisk`, see `archives`) and are read back only
when an overlay edits them, a diff shows them or the archive is repacked.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import BinaryIO

DEFAULT_MODE = 0o644  # what a new file gets (Go's 0666 under the usual 022 umask)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class OnDisk:
    """A file's content kept on disk: `size` bytes at `offset` of the file at `path`.

    Equal only to itself (two members never share a place), so comparing trees never
    reads it.
    """

    path: str
    offset: int
    size: int

    def open(self) -> BinaryIO:
        """The file positioned at the content (read at most `size` bytes from it)."""
        handle = open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        handle.seek(self.offset)
        return handle

    def read(self) -> bytes:
        with self.open() as handle:
            return handle.read(self.size)

    def has_nul(self) -> bool:
        """Whether the content holds a NUL byte (what makes a file binary in a diff)."""
        left = self.size
        with self.open() as handle:
            while left > 0:
                chunk = handle.read(min(_CHUNK, left))
                if not chunk:
                    return False
                if b"\x00" in chunk:
                    return True
                left -= len(chunk)
        return False


Content = bytes | OnDisk


def content_bytes(content: Content) -> bytes:
    return content.read() if isinstance(content, OnDisk) else content


class PathError(ValueError):
    """A path that would leave the sources folder (or the config tree)."""


def clean_relative(path: str, what: str = "path") -> str:
    """`path` normalised; PathError if it is absolute, empty or reaches outside with `..`."""
    if not path:
        raise PathError(f"{what} is empty")
    if path.startswith("/"):
        raise PathError(f"{what} `{path}` is absolute; it must be relative to the sources folder")
    cleaned = posixpath.normpath(path)
    if cleaned == ".." or cleaned.startswith("../"):
        raise PathError(f"{what} `{path}` reaches outside the sources folder")
    if cleaned == ".":
        raise PathError(f"{what} `{path}` names the sources folder itself")
    return cleaned


@dataclass
class SourceTree:
    """Files of one component: `files` (regular files), `modes`, `links` (symlink -> target)."""

    files: dict[str, Content] = field(default_factory=dict)
    spec_name: str | None = None
    modes: dict[str, int] = field(default_factory=dict)  # permission bits; absent = 0o644
    links: dict[str, str] = field(default_factory=dict)

    def copy(self) -> SourceTree:
        return SourceTree(dict(self.files), self.spec_name, dict(self.modes), dict(self.links))

    def read(self, path: str) -> bytes:
        """The content of the regular file `path` (read from disk if it is kept there)."""
        return content_bytes(self.files[path])

    def mode(self, path: str) -> int:
        return self.modes.get(path, DEFAULT_MODE)

    def same_as(self, other: SourceTree) -> bool:
        return (
            self.files == other.files
            and self.links == other.links
            and {p: self.mode(p) for p in self.files} == {p: other.mode(p) for p in other.files}
        )

    # --- queries ------------------------------------------------------------------------

    def is_dir(self, path: str) -> bool:
        prefix = path + "/"
        return any(p.startswith(prefix) for p in self.files) or any(
            p.startswith(prefix) for p in self.links
        )

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.links or self.is_dir(path)

    def entries(self) -> list[str]:
        """Regular files and symlinks (what a files-only glob can find), sorted."""
        return sorted([*self.files, *self.links])

    def check_no_link_in_parents(self, path: str) -> None:
        """Refuse a path that goes through a symlinked folder (it could lead outside)."""
        parent = posixpath.dirname(path)
        while parent:
            if parent in self.links:
                raise PathError(f"`{path}` goes through the symlink `{parent}`")
            if parent in self.files:
                raise PathError(f"`{path}`: `{parent}` is a file, not a folder")
            parent = posixpath.dirname(parent)

    def resolve(self, path: str) -> str:
        """The regular file `path` stands for, following symlinks that stay in the tree."""
        seen = 0
        while path in self.links:
            seen += 1
            if seen > 40:
                raise PathError(f"`{path}`: too many levels of symbolic links")
            target = self.links[path]
            if target.startswith("/"):
                raise PathError(f"symlink `{path}` points outside the sources folder")
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if joined == ".." or joined.startswith("../"):
                raise PathError(f"symlink `{path}` points outside the sources folder")
            path = joined
        if path not in self.files:
            raise PathError(f"`{path}` is not a regular file in the sources")
        return path

    # --- changes ------------------------------------------------------------------------

    def write(self, path: str, data: Content, mode: int | None = None) -> None:
        self.files[path] = data
        if mode is not None and mode != DEFAULT_MODE:
            self.modes[path] = mode
        elif mode is not None:
            self.modes.pop(path, None)

    def remove(self, path: str) -> None:
        self.files.pop(path, None)
        self.modes.pop(path, None)
        self.links.pop(path, None)

    def rename(self, old: str, new: str) -> None:
        if old in self.links:
            self.links[new] = self.links.pop(old)
            self.files.pop(new, None)
            self.modes.pop(new, None)
            return
        mode = self.modes.pop(old, None)
        data = self.files.pop(old)
        self.links.pop(new, None)
        self.files[new] = data
        if mode is None:
            self.modes.pop(new, None)
        else:
            self.modes[new] = mode

"""Archive-scoped overlays: extract a source tarball in memory, edit, repack.

As azldev (core/sources/archiveoverlays.go, utils/archive):
- the archive name must end in .tar, .tar.gz/.tgz, .tar.xz/.txz or .tar.zst/.tzst, but the
  compression is read from the leading bytes (a mislabelled archive keeps its real format);
- only regular files, folders and symlinks whose target stays inside are accepted; a
  hardlink, device, FIFO or sparse entry is an error and the archive is left untouched;
- `file` globs are matched from the extraction root: the single top-level folder if
  there is exactly one, else the archive root;
- emptied folders stay; permission bits are kept (files and folders masked to 0o777,
  folders only implied by a path get 0o755);
- the repacked tar is deterministic: depth-first, names in byte order, GNU format,
  mtime 0, owner 0:0 without names; gzip at level 9 with mtime 0.
Bytes differ from azldev's own repack (different compressor implementations), so a
recorded post-overlay hash must come from the tool that will build.
"""

from __future__ import annotations

import gzip
import io
import lzma
import posixpath
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

import zstandard

from .errors import OverlayFailure
from .tree import SourceTree

SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst")
DEFAULT_LIMIT = 1 << 30  # bytes of extracted content held in memory per archive

_XZ = b"\xfd7zXZ\x00"
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"


def compression_from_name(name: str) -> str:
    lower = name.lower()
    for suffix, kind in (
        ((".tar.gz", ".tgz"), "gzip"),
        ((".tar.xz", ".txz"), "xz"),
        ((".tar.zst", ".tzst"), "zstd"),
        ((".tar",), "none"),
    ):
        if lower.endswith(suffix):
            return kind
    raise OverlayFailure(f"unsupported archive format `{name}`")


def sniff(data: bytes, fallback: str) -> str:
    """The compression the bytes say; the name's guess only for an empty file."""
    if data.startswith(_XZ):
        return "xz"
    if data.startswith(_GZIP):
        return "gzip"
    if data.startswith(_ZSTD):
        return "zstd"
    return fallback if not data else "none"


@dataclass
class Extracted:
    """An archive's content: files, symlinks and every folder (explicit or implied)."""

    files: dict[str, bytes] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    dirs: dict[str, int] = field(default_factory=dict)
    compression: str = "none"

    def root(self) -> str:
        """The extraction root: the single top-level folder, or "" (the archive root)."""
        tops = {p.split("/", 1)[0] for p in (*self.files, *self.links, *self.dirs)}
        if len(tops) == 1:
            (top,) = tops
            if top in self.dirs:
                return top
        return ""

    def inner(self) -> SourceTree:
        """The files below the extraction root, as a tree the file overlays can edit."""
        root = self.root()
        cut = len(root) + 1 if root else 0
        tree = SourceTree()
        for path, data in self.files.items():
            tree.files[path[cut:]] = data
            if self.modes.get(path, 0o644) != 0o644:
                tree.modes[path[cut:]] = self.modes[path]
        tree.links = {path[cut:]: target for path, target in self.links.items()}
        return tree

    def replace_inner(self, tree: SourceTree) -> None:
        prefix = self.root() + "/" if self.root() else ""
        self.files = {prefix + p: d for p, d in tree.files.items()}
        self.modes = {prefix + p: tree.mode(p) for p in tree.files}
        self.links = {prefix + p: t for p, t in tree.links.items()}


def _reader(data: bytes, compression: str) -> io.BufferedIOBase | BinaryIO:
    raw = io.BytesIO(data)
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "xz":
        return lzma.LZMAFile(raw)
    if compression == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return raw


def _local(name: str) -> str:
    cleaned = posixpath.normpath(name)
    if name.startswith("/") or cleaned == ".." or cleaned.startswith("../"):
        raise OverlayFailure(f"tar entry `{name}` points outside the archive")
    return cleaned


def extract(data: bytes, name: str, limit: int = DEFAULT_LIMIT) -> Extracted:
    """Read an archive; OverlayFailure for anything azldev cannot repack safely."""
    compression = sniff(data, compression_from_name(name))
    out = Extracted(compression=compression)
    total = 0
    try:
        with tarfile.open(fileobj=_reader(data, compression), mode="r|") as archive:
            for member in archive:
                path = _local(member.name)
                if path == ".":
                    continue
                if member.type == tarfile.DIRTYPE or (
                    member.type == tarfile.AREGTYPE and member.name.endswith("/")
                ):
                    _add_parents(out, path)
                    out.dirs[path] = member.mode & 0o777
                    continue
                _add_parents(out, posixpath.dirname(path))
                if member.type == tarfile.SYMTYPE:
                    _check_link(path, member.linkname)
                    out.files.pop(path, None)
                    out.links[path] = member.linkname
                elif member.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
                    total += member.size
                    if total > limit:
                        raise OverlayFailure(f"archive `{name}` holds more than {limit} bytes")
                    handle = archive.extractfile(member)
                    out.files[path] = handle.read() if handle else b""
                    out.modes[path] = member.mode & 0o777
                    out.links.pop(path, None)
                else:
                    raise OverlayFailure(
                        f"tar entry `{member.name}` has unsupported type ({member.type!r}); only"
                        " regular files, directories, and symlinks are supported"
                    )
    except (
        tarfile.TarError,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
        zstandard.ZstdError,
    ) as exc:
        raise OverlayFailure(f"cannot read archive `{name}`: {exc}") from None
    return out


def _add_parents(out: Extracted, folder: str) -> None:
    while folder and folder != "." and folder not in out.dirs:
        out.dirs[folder] = 0o755
        folder = posixpath.dirname(folder)


def _check_link(path: str, target: str) -> None:
    if target.startswith("/"):
        raise OverlayFailure(f"tar symlink `{path}` has absolute target `{target}`")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if resolved == ".." or resolved.startswith("../") or not target:
        raise OverlayFailure(f"tar symlink `{path}` resolves to non-local path `{resolved}`")


def _key(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def repack(content: Extracted) -> bytes:
    """A deterministic archive of `content` in its original compression."""
    children: dict[str, list[str]] = {}
    for path in (*content.dirs, *content.files, *content.links):
        children.setdefault(posixpath.dirname(path), []).append(path)
    buffer = io.BytesIO()

    def add(path: str) -> None:
        info = tarfile.TarInfo(path)
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        if path in content.dirs:
            info.type = tarfile.DIRTYPE
            info.mode = content.dirs[path]
            archive.addfile(info)
            for child in sorted(children.get(path, ()), key=_key):
                add(child)
        elif path in content.links:
            info.type = tarfile.SYMTYPE
            info.mode = 0o777
            info.linkname = content.links[path]
            archive.addfile(info)
        else:
            data = content.files[path]
            info.mode = content.modes.get(path, 0o644)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for top in sorted(children.get("", ()), key=_key):
            add(top)
        end = archive.offset
    # Go's tar writer ends with two zero blocks and no record padding.
    tar = buffer.getvalue()[: end + 1024]
    if content.compression == "gzip":
        return gzip.compress(tar, compresslevel=9, mtime=0)
    if content.compression == "xz":
        return lzma.compress(tar)
    if content.compression == "zstd":
        return zstandard.ZstdCompressor().compress(tar)
    return tar

"""Archive-scoped overlays: extract a source tarball, edit, repack.

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

An archive comes from the lookaside cache, so it is untrusted, and a few megabytes of
it can expand to gigabytes.  Extraction is therefore bounded, and streams:
- `Limits.max_bytes`: the uncompressed tar stream may hold at most this much, checked
  against the members' headers before their content is read, then counted as the
  decompressor produces it (headers, long names and pax records included);
- `Limits.max_ratio`: past `RATIO_FLOOR` bytes, an archive may not expand more than this
  many times its compressed size (a compression bomb is refused from the first header
  that says so, before its content is produced);
- members stream into one spill file on disk (`OnDisk` content), except small ones while
  the members held in memory stay under `MEMORY_BYTES`; they are read back only when an
  overlay edits them, a diff shows them, or the archive is repacked (which streams too:
  the tar goes to a spooled file, then through the compressor in chunks).
"""

from __future__ import annotations

import gzip
import io
import lzma
import posixpath
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

import zstandard

from .errors import OverlayFailure
from .tree import Content, OnDisk, SourceTree

SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst")
DEFAULT_LIMIT = 1 << 30  # bytes of uncompressed tar an archive may hold
DEFAULT_RATIO = 100.0  # times its compressed size an archive may expand to (past the floor)
RATIO_FLOOR = 64 << 20  # below this much content any ratio is fine (tar pads small files)
MEMORY_BYTES = 32 << 20  # members held in memory, in all; the rest streams to disk
MEMBER_IN_MEMORY = 1 << 20  # a member larger than this always streams to disk
META_BYTES = 1 << 20  # tar headers, long names and pax records between two members
_CHUNK = 1 << 20

_XZ = b"\xfd7zXZ\x00"
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand (see the module docstring)."""

    max_bytes: int = DEFAULT_LIMIT
    max_ratio: float = DEFAULT_RATIO


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
    """An archive's content: files, symlinks and every folder (explicit or implied).

    Members may be kept on disk (`OnDisk`), in a spill file that lives as long as this
    object: `close()` removes it (garbage collection does too).
    """

    files: dict[str, Content] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    dirs: dict[str, int] = field(default_factory=dict)
    compression: str = "none"
    spill: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def close(self) -> None:
        if self.spill is not None:
            self.spill.cleanup()
            self.spill = None

    def __enter__(self) -> Extracted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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


class _Budget:
    """The uncompressed tar stream, counted as tarfile reads it, within the limits.

    `allow()` is told of each member before its content is read; the stream may then
    run that far plus META_BYTES for the headers up to the next member, so not even a
    giant long-name or pax record (which tarfile reads into memory) gets through.
    """

    def __init__(
        self, stream: io.BufferedIOBase | BinaryIO, compressed: int, limits: Limits
    ) -> None:
        self.stream, self.compressed, self.limits = stream, compressed, limits
        self.count = 0  # bytes produced so far
        self.content = 0  # sum of member sizes from their headers
        self.allowed = META_BYTES

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else _CHUNK)
        self.count += len(data)
        self._check(self.count)
        if self.count > self.allowed:
            raise OverlayFailure(
                f"more than {META_BYTES:,} bytes of tar headers between two members; refused"
            )
        return data

    def allow(self, size: int) -> None:
        """The next `size` bytes are a member's content (its header said so)."""
        self.content += size
        self._check(self.content)
        self.allowed = self.count + _blocks(size) + META_BYTES

    def _check(self, size: int) -> None:
        limits = self.limits
        if size > limits.max_bytes:
            raise OverlayFailure(
                f"expands to more than {limits.max_bytes:,} bytes (the limit for a source "
                "archive); refused"
            )
        if self.compressed and size > RATIO_FLOOR and size > limits.max_ratio * self.compressed:
            raise OverlayFailure(
                f"expands to more than {limits.max_ratio:g} times its {self.compressed:,} "
                f"compressed bytes (over {size:,} bytes): a compression bomb, refused"
            )


def _blocks(size: int) -> int:
    return -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


class _Members:
    """Where extracted content goes: memory while small, else one spill file on disk."""

    def __init__(self, out: Extracted) -> None:
        self.out = out
        self.in_memory = 0
        self.handle: BinaryIO | None = None
        self.path = ""

    def keep(self, source: IO[bytes], size: int) -> Content:
        if size <= MEMBER_IN_MEMORY and self.in_memory + size <= MEMORY_BYTES:
            self.in_memory += size
            return source.read(size)
        if self.handle is None:
            self.out.spill = tempfile.TemporaryDirectory(prefix="azldrift-archive-")
            self.path = str(Path(self.out.spill.name) / "members")
            self.handle = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        offset = self.handle.tell()
        shutil.copyfileobj(source, self.handle, _CHUNK)
        return OnDisk(self.path, offset, self.handle.tell() - offset)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def extract(data: bytes, name: str, limits: Limits | None = None) -> Extracted:
    """Read an archive; OverlayFailure for anything azldev cannot repack safely, or for
    an archive over the limits (nothing is kept then)."""
    limits = limits or Limits()
    compression = sniff(data, compression_from_name(name))
    out = Extracted(compression=compression)
    compressed = len(data) if compression != "none" else 0
    members = _Members(out)
    try:
        budget = _Budget(_reader(data, compression), compressed, limits)
        with tarfile.open(fileobj=budget, mode="r|") as archive:  # type: ignore[call-overload]
            for member in archive:
                archive.members.clear()  # a streamed archive needs no index of members
                _add(out, archive, member, budget, members)
    except (
        tarfile.TarError,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
        zstandard.ZstdError,
    ) as exc:
        members.close()
        out.close()
        raise OverlayFailure(f"cannot read archive `{name}`: {exc}") from None
    except BaseException:
        members.close()
        out.close()
        raise
    members.close()
    return out


def _add(
    out: Extracted,
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    budget: _Budget,
    members: _Members,
) -> None:
    path = _local(member.name)
    # Refused here when the header already says too much, before the content is read.
    budget.allow(member.size if member.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0)
    if path == ".":
        return
    if member.type == tarfile.DIRTYPE or (
        member.type == tarfile.AREGTYPE and member.name.endswith("/")
    ):
        _add_parents(out, path)
        out.dirs[path] = member.mode & 0o777
        return
    _add_parents(out, posixpath.dirname(path))
    if member.type == tarfile.SYMTYPE:
        _check_link(path, member.linkname)
        out.files.pop(path, None)
        out.links[path] = member.linkname
    elif member.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        handle = archive.extractfile(member)
        out.files[path] = members.keep(handle, member.size) if handle else b""
        out.modes[path] = member.mode & 0o777
        out.links.pop(path, None)
    else:
        raise OverlayFailure(
            f"tar entry `{member.name}` has unsupported type ({member.type!r}); only"
            " regular files, directories, and symlinks are supported"
        )


def _local(name: str) -> str:
    cleaned = posixpath.normpath(name)
    if name.startswith("/") or cleaned == ".." or cleaned.startswith("../"):
        raise OverlayFailure(f"tar entry `{name}` points outside the archive")
    return cleaned


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
    """A deterministic archive of `content` in its original compression.

    The tar streams into a spooled file (on disk past MEMORY_BYTES), and from there
    through the compressor in chunks: only the compressed archive is ever whole in memory.
    """
    children: dict[str, list[str]] = {}
    for path in (*content.dirs, *content.files, *content.links):
        children.setdefault(posixpath.dirname(path), []).append(path)
    with tempfile.SpooledTemporaryFile(MEMORY_BYTES, prefix="azldrift-repack-") as tar:

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
                if isinstance(data, OnDisk):
                    info.size = data.size
                    with data.open() as member:
                        archive.addfile(info, member)
                else:
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))

        with tarfile.open(fileobj=tar, mode="w", format=tarfile.GNU_FORMAT) as archive:
            for top in sorted(children.get("", ()), key=_key):
                add(top)
            end = archive.offset
        # Go's tar writer ends with two zero blocks and no record padding.
        size = end + 2 * tarfile.BLOCKSIZE
        tar.truncate(size)
        tar.seek(0)
        return _compress(tar, size, content.compression)


def _compress(tar: IO[bytes], size: int, compression: str) -> bytes:
    """`size` bytes of `tar` compressed in chunks, exactly as the one-shot functions do."""
    out = io.BytesIO()
    if compression == "gzip":
        # gzip.compress(data, 9, mtime=0): zlib's gzip wrapping, then mtime 0 and OS 255.
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        _pump(tar, lambda chunk: out.write(gz.compress(chunk)))
        out.write(gz.flush())
        data = out.getbuffer()
        data[4:8] = b"\x00\x00\x00\x00"
        data[9] = 255
        del data
        return out.getvalue()
    if compression == "xz":
        xz = lzma.LZMACompressor()
        _pump(tar, lambda chunk: out.write(xz.compress(chunk)))
        out.write(xz.flush())
        return out.getvalue()
    if compression == "zstd":
        if size <= MEMORY_BYTES:
            return zstandard.ZstdCompressor().compress(tar.read())
        # zstd's streaming output differs from its one-shot output past about 500 KB
        # (both deterministic), so only a tar too large to hold streams.
        zstandard.ZstdCompressor().copy_stream(tar, out, size=size)
        return out.getvalue()
    return tar.read()


def _pump(source: IO[bytes], sink: Callable[[bytes], object]) -> None:
    while chunk := source.read(_CHUNK):
        sink(chunk)

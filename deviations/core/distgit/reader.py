"""Reading a bare repository straight from its objects, through one `git cat-file --batch`.

No worktree and no checkout: commits, trees and blobs are requested one after another
over a pipe to a single long-lived git process, which is what makes reading ~7,500
repositories fast (one process per repository instead of one per question).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from .errors import DistGitError, ErrorKind
from .gitcmd import _ENV, git_command, kill_group

MODE_TREE = "40000"
MODE_SYMLINK = "120000"
MODE_GITLINK = "160000"


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: str  # "Name <email>"
    author_time: int
    committer_time: int  # seconds since the epoch; what `git rev-list --before` compares
    subject: str


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the repository root, "/"-separated
    mode: str  # "100644", "100755", "120000", "160000"
    sha: str


class AmbiguousObject(DistGitError):
    def __init__(self, rev: str) -> None:
        super().__init__(ErrorKind.PIN_AMBIGUOUS, f"{rev!r} matches more than one object")


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _person(line: bytes) -> tuple[str, int]:
    """`Name <email> 1700000000 +0000` -> ("Name <email>", 1700000000)."""
    text = line.decode("utf-8", "replace")
    who, _, rest = text.rpartition(">")
    parts = rest.split()
    seconds = int(parts[0]) if parts and parts[0].lstrip("-").isdigit() else 0
    return who + ">", seconds


def parse_commit(sha: str, data: bytes) -> Commit:
    header, _, message = data.partition(b"\n\n")
    tree, parents = "", []
    author, author_time, committer_time = "", 0, 0
    for line in header.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree":
            tree = value.decode()
        elif key == b"parent":
            parents.append(value.decode())
        elif key == b"author":
            author, author_time = _person(value)
        elif key == b"committer":
            _, committer_time = _person(value)
    subject = message.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return Commit(sha, tree, tuple(parents), author, author_time, committer_time, subject)


def parse_tree(data: bytes) -> list[tuple[str, str, str]]:
    """Raw tree object -> [(mode, name, sha)]."""
    entries, i, n = [], 0, len(data)
    while i < n:
        space = data.index(b" ", i)
        nul = data.index(b"\0", space)
        mode = data[i:space].decode()
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        sha = data[nul + 1 : nul + 21].hex()
        entries.append((mode, name, sha))
        i = nul + 21
    return entries


class ObjectReader:
    """A `git cat-file --batch` process for one repository; use as a context manager."""

    def __init__(self, git_dir: str) -> None:
        self.git_dir = git_dir
        self._proc = subprocess.Popen(
            git_command(["cat-file", "--batch"], git_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_ENV,
            start_new_session=True,
        )
        # Both pipes exist (PIPE above); Popen's type cannot say so.
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin, self._stdout = self._proc.stdin, self._proc.stdout
        self._commits: dict[str, Commit] = {}

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            try:
                self._stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                kill_group(proc)
                proc.wait()
        self._stdout.close()

    def _request(self, rev: str, max_size: int | None = None) -> tuple[str, str, bytes] | None:
        if "\n" in rev or not rev:
            raise ValueError(f"bad revision {rev!r}")
        try:
            self._stdin.write(rev.encode() + b"\n")
            self._stdin.flush()
            header = self._stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            raise DistGitError(ErrorKind.GIT_FAILED, f"git cat-file stopped: {exc}") from None
        if not header:
            raise DistGitError(ErrorKind.GIT_FAILED, "git cat-file stopped unexpectedly")
        fields = header.split()
        if len(fields) == 2 and fields[1] == b"missing":
            return None
        if len(fields) == 2 and fields[1] == b"ambiguous":
            raise AmbiguousObject(rev)
        sha, kind, size = fields[0].decode(), fields[1].decode(), int(fields[2])
        if max_size is not None and size > max_size:
            remaining = size + 1
            while remaining:
                remaining -= len(self._stdout.read(min(remaining, 1 << 20)))
            raise TooLarge(size)
        data = self._stdout.read(size + 1)[:-1]
        return sha, kind, data

    # --- objects ------------------------------------------------------------------
    def resolve(self, rev: str) -> tuple[str, str] | None:
        """(sha, type) of a revision (ref name, full or short id), None when missing."""
        found = self._request(rev)
        return None if found is None else (found[0], found[1])

    def commit(self, rev: str) -> Commit | None:
        cached = self._commits.get(rev)
        if cached is not None:
            return cached
        found = self._request(rev)
        if found is None:
            return None
        sha, kind, data = found
        if kind == "tag":  # peel annotated tags
            return self.commit(f"{sha}^{{commit}}")
        if kind != "commit":
            return None
        commit = parse_commit(sha, data)
        self._commits[sha] = commit
        return commit

    def raw(self, rev: str, kind: str) -> bytes | None:
        """The bytes of the object `rev` names if it is a `kind` ("commit", ...), else None."""
        found = self._request(rev)
        return found[2] if found is not None and found[1] == kind else None

    def tree(self, sha: str) -> list[tuple[str, str, str]]:
        found = self._request(sha)
        if found is None or found[1] != "tree":
            raise DistGitError(ErrorKind.GIT_FAILED, f"tree {sha} is missing from the mirror")
        return parse_tree(found[2])

    def blob(self, sha: str, max_size: int | None = None) -> bytes:
        """The blob's bytes; TooLarge when above max_size (the bytes are skipped, not kept)."""
        found = self._request(sha, max_size)
        if found is None or found[1] != "blob":
            raise DistGitError(ErrorKind.GIT_FAILED, f"blob {sha} is missing from the mirror")
        return found[2]

    def list_files(self, tree_sha: str, recursive: bool = True) -> list[TreeEntry]:
        """Every file under a tree (sub-folders walked when recursive), sorted by path."""
        out: list[TreeEntry] = []
        stack = [("", tree_sha)]
        while stack:
            prefix, sha = stack.pop()
            for mode, name, entry_sha in self.tree(sha):
                path = f"{prefix}{name}"
                if mode == MODE_TREE:
                    if recursive:
                        stack.append((path + "/", entry_sha))
                else:
                    out.append(TreeEntry(path, mode, entry_sha))
        out.sort(key=lambda e: e.path)
        return out

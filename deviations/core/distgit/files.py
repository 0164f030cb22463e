"""The spec and sidecar files of a dist-git commit, read from git objects into memory.

The result is the overlay engine's input: a mapping of relative path to bytes, with
the executable bit and symlinks (as their target text; the engine never follows one out
of the tree).  The spec is `<package>.spec` at the top level (what azldev takes); when
that is absent but exactly one top-level `*.spec` exists, that one is used.  Submodule
entries have no content here and are listed as left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import DistGitError, ErrorKind
from .reader import MODE_GITLINK, MODE_SYMLINK, MODE_TREE, ObjectReader, TooLarge

SPEC_MAX_BYTES = 16 * 1024 * 1024
FILE_MAX_BYTES = 64 * 1024 * 1024
TREE_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class CommitFiles:
    commit: str
    spec_path: str
    files: dict[str, bytes]  # the spec only, or every file (see read_files)
    modes: dict[str, int] = field(default_factory=dict)  # only files that are not 0o644
    links: dict[str, str] = field(default_factory=dict)  # symlink -> target as written
    left_out: list[str] = field(default_factory=list)  # submodules

    @property
    def spec(self) -> bytes:
        return self.files[self.spec_path]


def _root_tree(reader: ObjectReader, commit: str) -> list[tuple[str, str, str]]:
    found = reader.commit(commit)
    if found is None:
        raise DistGitError(ErrorKind.GIT_FAILED, f"commit {commit} is missing from the mirror")
    return reader.tree(found.tree)


def _pick_spec(entries: list[tuple[str, str, str]], package: str) -> tuple[str, str]:
    specs = {
        name: sha
        for mode, name, sha in entries
        if name.endswith(".spec") and mode not in (MODE_TREE, MODE_SYMLINK, MODE_GITLINK)
    }
    preferred = f"{package}.spec"
    if preferred in specs:
        return preferred, specs[preferred]
    if len(specs) == 1:
        return next(iter(specs.items()))
    if not specs:
        raise DistGitError(ErrorKind.SPEC_MISSING, f"no spec file ({preferred}) at the commit")
    raise DistGitError(
        ErrorKind.SPEC_MISSING,
        f"{preferred} is missing and several other specs exist ({', '.join(sorted(specs))})",
    )


def _read_spec(reader: ObjectReader, path: str, sha: str) -> bytes:
    try:
        return reader.blob(sha, SPEC_MAX_BYTES)
    except TooLarge as exc:
        raise DistGitError(
            ErrorKind.SPEC_TOO_LARGE,
            f"{path} is {exc.size:,} bytes, more than the {SPEC_MAX_BYTES:,} bytes allowed",
        ) from None


def read_spec(reader: ObjectReader, commit: str, package: str) -> CommitFiles:
    """Only the spec (enough for Name/Version/Release)."""
    path, sha = _pick_spec(_root_tree(reader, commit), package)
    return CommitFiles(commit, path, {path: _read_spec(reader, path, sha)})


def read_files(reader: ObjectReader, commit: str, package: str) -> CommitFiles:
    """The spec and every sidecar file (what overlays work on)."""
    found = reader.commit(commit)
    if found is None:
        raise DistGitError(ErrorKind.GIT_FAILED, f"commit {commit} is missing from the mirror")
    spec_path, _ = _pick_spec(reader.tree(found.tree), package)
    files: dict[str, bytes] = {}
    modes: dict[str, int] = {}
    links: dict[str, str] = {}
    left_out: list[str] = []
    total = 0
    for entry in reader.list_files(found.tree):
        if entry.mode == MODE_GITLINK:
            left_out.append(entry.path)
            continue
        if entry.mode == MODE_SYMLINK:
            try:
                target = reader.blob(entry.sha, 4096)
            except TooLarge:
                left_out.append(entry.path)
                continue
            links[entry.path] = target.decode("utf-8", "surrogateescape")
            continue
        if entry.mode == "100755":
            modes[entry.path] = 0o755
        if entry.path == spec_path:
            files[spec_path] = _read_spec(reader, spec_path, entry.sha)
            continue
        try:
            data = reader.blob(entry.sha, FILE_MAX_BYTES)
        except TooLarge as exc:
            raise DistGitError(
                ErrorKind.FILE_TOO_LARGE,
                f"{entry.path} is {exc.size:,} bytes, more than {FILE_MAX_BYTES:,} allowed",
            ) from None
        total += len(data)
        if total > TREE_MAX_BYTES:
            raise DistGitError(
                ErrorKind.FILE_TOO_LARGE, f"the files at the commit exceed {TREE_MAX_BYTES:,} bytes"
            )
        files[entry.path] = data
    return CommitFiles(commit, spec_path, files, modes, links, left_out)

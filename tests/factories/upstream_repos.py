"""Real git repositories for tests, written with `git fast-import` (never mocks of git).

`UpstreamRepo` is a bare "dist-git" repository whose branches are built commit by
commit from full file snapshots, with exact author/committer dates; it can also
force-push a branch, delete itself, or start empty.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from tests.factories.git import GIT_ENV, bare_git

PACKAGER = ("Test Packager", "packager@example.org")


def _epoch(when: str | dt.datetime) -> int:
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    return int(when.timestamp())


def spec_text(
    name: str,
    version: str = "1.0",
    release: str = "1%{?dist}",
    extra_preamble: str = "",
    body: str = "",
) -> str:
    return (
        f"Name:           {name}\n"
        f"Version:        {version}\n"
        f"Release:        {release}\n"
        f"Summary:        The {name} package\n"
        "License:        MIT\n"
        f"{extra_preamble}"
        "\n%description\n"
        f"The {name} package.\n\n"
        "%prep\n%autosetup\n\n"
        "%build\n%make_build\n\n"
        "%install\n%make_install\n\n"
        f"%files\n%{{_bindir}}/{name}\n{body}\n"
        "%changelog\n"
        f"* Sat Nov 01 2025 Test Packager <packager@example.org> - {version}-1\n"
        "- Initial package\n"
    )


class UpstreamRepo:
    """A bare repository at `root/<name>.git` with linear branches made of snapshots."""

    def __init__(self, root: str | Path, name: str) -> None:
        self.name = name
        self.path = Path(root) / f"{name}.git"
        self.files: dict[str, dict[str, tuple[str, bytes]]] = {}  # branch -> (mode, data)
        self.path.mkdir(parents=True)
        bare_git(self.path, "init", "--quiet", "--bare")

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def tip(self, branch: str) -> str:
        return bare_git(self.path, "rev-parse", f"refs/heads/{branch}").strip()

    def commit(
        self,
        branch: str,
        changes: dict[str, str | bytes | tuple[str, str | bytes] | None],
        message: str,
        when: str | dt.datetime,
        *,
        author: tuple[str, str] = PACKAGER,
        committed: str | dt.datetime | None = None,
        parent: str | None = None,
        merge: str | None = None,
    ) -> str:
        """A commit on `branch` changing files (None deletes); returns its id.

        A change may be `(mode, data)` for an executable ("100755") or a symlink
        ("120000", data = target).  `parent` starts the commit from another commit (e.g.
        a new branch or a force-push); `merge` adds a second parent.
        """
        if parent is None and branch in self.files:
            files = dict(self.files[branch])
            parent = self.tip(branch)
        elif parent is not None:
            files = self._files_at(parent)
        else:
            files = {}
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
                continue
            mode, data = data if isinstance(data, tuple) else ("100644", data)
            files[path] = (mode, data.encode() if isinstance(data, str) else data)
        author_stamp = f"{author[0]} <{author[1]}> {_epoch(when)} +0000"
        committer_stamp = f"{author[0]} <{author[1]}> {_epoch(committed or when)} +0000"
        body = message.encode() + b"\n"
        stream = [
            f"commit refs/heads/{branch}\n".encode(),
            f"author {author_stamp}\ncommitter {committer_stamp}\n".encode(),
            b"data %d\n" % len(body),
            body,
        ]
        if parent:
            stream.append(f"from {parent}\n".encode())
        if merge:
            stream.append(f"merge {merge}\n".encode())
        stream.append(b"deleteall\n")
        for path, (mode, data) in sorted(files.items()):
            stream.append(f"M {mode} inline {path}\n".encode())
            stream.append(b"data %d\n" % len(data))
            stream.append(data + b"\n")
        stream.append(b"\n")
        bare_git(self.path, "fast-import", "--quiet", "--force", input=b"".join(stream))
        self.files[branch] = files
        return self.tip(branch)

    def _files_at(self, commit: str) -> dict[str, tuple[str, bytes]]:
        files = {}
        for line in bare_git(self.path, "ls-tree", "-r", "-z", commit).split("\0"):
            if not line:
                continue
            meta, path = line.split("\t", 1)
            mode, _, sha = meta.split()
            files[path] = (
                mode,
                subprocess.run(
                    ["git", f"--git-dir={self.path}", "cat-file", "blob", sha],
                    capture_output=True,
                    env=GIT_ENV,
                    check=True,
                ).stdout,
            )
        return files

    def set_branch(self, branch: str, commit: str) -> None:
        bare_git(self.path, "update-ref", f"refs/heads/{branch}", commit)
        self.files[branch] = self._files_at(commit)

    def delete(self) -> None:
        shutil.rmtree(self.path)


class UpstreamFolder:
    """A folder of upstream repositories (`<root>/<name>.git`) and its file:// $pkg template,
    as a distro's dist-git-base-uri names them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root.as_uri() + "/$pkg.git"
        root.mkdir(parents=True, exist_ok=True)

    def repo(self, name: str) -> UpstreamRepo:
        """An empty repository for `name`."""
        return UpstreamRepo(self.root, name)

    def standard(self, name: str, drift: int = 0, version: str = "1.0") -> UpstreamRepo:
        """`name` imported before the snapshot, updated to `version` on 2026-01-15 (what the
        snapshot selects), then `drift` rebuilds after the snapshot, on f43."""
        repo = self.repo(name)
        spec = f"{name}.spec"
        repo.commit(
            "f43",
            {spec: spec_text(name, "0.9"), "sources": "x\n"},
            "Initial import",
            "2025-11-01T12:00:00Z",
        )
        repo.commit(
            "f43",
            {spec: spec_text(name, version)},
            f"Update to {version}",
            "2026-01-15T12:00:00Z",
        )
        for i in range(drift):
            repo.commit(
                "f43",
                {spec: spec_text(name, version, f"{i + 2}%{{?dist}}")},
                f"Rebuilt ({i + 1})",
                f"2026-03-{i + 2:02d}T00:00:00Z",
            )
        return repo

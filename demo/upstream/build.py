"""Build the demo's fake Fedora dist-git repositories from demo/upstream/<name>/.

Each `<name>/history.toml` lists commits oldest first (one line of history), where the
branches point and which files are executable; the files a commit writes are in the
folder named by its id (full contents), and `remove` lists the files it deletes.  The
repositories are written with one `git fast-import` each, with the fixed dates and
authors from the history, so the commit ids are the same on every machine (the demo
config refers to two of them: jq's pin and nano's backported fix).

    python demo/upstream/build.py --out var/demo/distgit   # prints the lookaside template,
                                                           # then the $pkg URL template

Release tarballs are not in git, as on Fedora: a history's `[[tarballs]]` are packed
from their folders (fixed order, owners, modes and times, so the bytes and the hash in
the commits' `sources` files never change) into a lookaside folder laid out like
Fedora's (`<lookaside>/$pkg/$filename/$hashtype/$hash/$filename`, next to the
repositories by default), which the demo's sync reads through a `file://` template.

Only the standard library and the git CLI are needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "azldrift demo dist-git repository: "


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def _read_files(folder: Path, executable: set[str]) -> dict[str, tuple[str, bytes]]:
    # Modes come from history.toml, not the checkout, so ids never depend on core.fileMode.
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            files[rel] = ("100755" if rel in executable else "100644", path.read_bytes())
    return files


def _stream(name: str, source: Path, history: dict) -> tuple[bytes, list[str]]:
    commits = history["commits"]
    branches: dict[str, str] = history["branches"]
    ids = [c["id"] for c in commits]
    unknown = sorted(set(branches.values()) - set(ids))
    if unknown:
        raise SystemExit(f"{name}: [branches] names unknown commits {unknown}")
    last_branch = next(b for b, target in branches.items() if target == ids[-1])
    out: list[bytes] = [b"feature done\n"]
    for mark, commit in enumerate(commits, start=1):
        when = dt.datetime.fromisoformat(commit["date"].replace("Z", "+00:00"))
        who = f"{commit['author']} {int(when.timestamp())} +0000".encode()
        body = commit["message"].encode() + b"\n"
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (last_branch.encode(), mark))
        out.append(b"author %s\ncommitter %s\ndata %d\n%s" % (who, who, len(body), body))
        if mark > 1:
            out.append(b"from :%d\n" % (mark - 1))
        for path in commit.get("remove", []):
            out.append(b"D %s\n" % path.encode())
        executable = set(history.get("executable", []))
        for path, (mode, data) in _read_files(source / commit["id"], executable).items():
            out.append(
                b"M %s inline %s\ndata %d\n%s\n" % (mode.encode(), path.encode(), len(data), data)
            )
        out.append(b"\n")
    tips = dict(branches)
    if "rawhide" in tips and "main" not in tips:
        tips["main"] = tips["rawhide"]  # as on Fedora's dist-git
    for branch, target in sorted(tips.items()):
        if branch != last_branch:
            out.append(
                b"reset refs/heads/%s\nfrom :%d\n\n" % (branch.encode(), ids.index(target) + 1)
            )
    out.append(b"done\n")
    return b"".join(out), ids


def build_one(name: str, out_dir: Path, source_root: Path = HERE) -> dict:
    source = source_root / name
    history = tomllib.loads((source / "history.toml").read_text(encoding="utf-8"))
    stream, ids = _stream(name, source, history)
    target = out_dir / f"{name}.git"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir))
    try:
        repo = tmp / "repo.git"
        env = _env()
        subprocess.run(
            ["git", "-c", "init.templateDir=", "init", "--quiet", "--bare", str(repo)],
            check=True,
            env=env,
        )
        head = "rawhide" if "rawhide" in history["branches"] else sorted(history["branches"])[0]
        (repo / "HEAD").write_text(f"ref: refs/heads/{head}\n")
        (repo / "description").write_text(f"{MARK}{name}\n")
        marks = tmp / "marks"
        subprocess.run(
            ["git", f"--git-dir={repo}", "fast-import", "--quiet", f"--export-marks={marks}"],
            input=stream,
            check=True,
            env=env,
            capture_output=True,
        )
        shas = dict(line.split() for line in marks.read_text().splitlines())
        if target.exists():
            shutil.rmtree(target)
        repo.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    commits = {cid: shas[f":{i}"] for i, cid in enumerate(ids, start=1)}
    return {
        "path": str(target),
        "url": target.as_uri(),
        "commits": commits,
        "branches": {b: commits[t] for b, t in history["branches"].items()},
    }


def pack(folder: Path, when: str) -> bytes:
    """A deterministic tar of `folder` as `<folder name>/...` (not yet compressed)."""
    mtime = int(dt.datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        inside = sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())
        for path in [folder, *inside]:
            relative = path.relative_to(folder).as_posix()
            info = tarfile.TarInfo(folder.name if relative == "." else f"{folder.name}/{relative}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "root", "root"
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def compress(tar: bytes, name: str) -> bytes:
    if name.endswith((".tar.xz", ".txz")):
        return lzma.compress(tar, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)
    if name.endswith((".tar.gz", ".tgz")):
        return gzip.compress(tar, compresslevel=9, mtime=0)
    if name.endswith(".tar"):
        return tar
    raise SystemExit(f"tarball {name}: use .tar.xz, .tar.gz or .tar")


def listed_hashes(source: Path, history: dict, name: str) -> set[str]:
    """The SHA512 every commit's `sources` file gives for tarball `name`."""
    found = set()
    for commit in history["commits"]:
        sources = source / commit["id"] / "sources"
        if sources.is_file():
            for line in sources.read_text(encoding="utf-8").splitlines():
                match = re.fullmatch(r"SHA512 \((.+)\) = ([0-9a-f]{128})", line.strip())
                if match and match.group(1) == name:
                    found.add(match.group(2))
    return found


def build_tarballs(name: str, lookaside: Path, source_root: Path = HERE) -> dict:
    """Pack a repository's tarballs into the lookaside folder; {file name: details}."""
    source = source_root / name
    history = tomllib.loads((source / "history.toml").read_text(encoding="utf-8"))
    out = {}
    for tarball in history.get("tarballs", []):
        filename = tarball["name"]
        data = compress(pack(source / tarball["folder"], tarball["date"]), filename)
        digest = hashlib.sha512(data).hexdigest()
        target = lookaside / name / filename / "sha512" / digest / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        listed = listed_hashes(source, history, filename)
        out[filename] = {
            "path": str(target),
            "sha512": digest,
            # Empty unless this machine packs other bytes than the `sources` files say
            # (the sync then reports a hash mismatch for the component).
            "mismatch": sorted(listed - {digest}),
        }
    return out


def names(source_root: Path = HERE) -> list[str]:
    return sorted(p.parent.name for p in source_root.glob("*/history.toml"))


def build(
    out_dir: str | os.PathLike[str],
    source_root: Path = HERE,
    lookaside_dir: str | os.PathLike[str] | None = None,
) -> dict:
    """Build every repository into out_dir (replacing earlier ones) and the tarballs into
    the lookaside folder (default: `lookaside/` next to out_dir); returns the manifest."""
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    lookaside = Path(lookaside_dir or out.parent / "lookaside").resolve()
    manifest = {
        "url_template": out.as_uri() + "/$pkg.git",
        "repositories": {name: build_one(name, out, source_root) for name in names(source_root)},
        "lookaside_template": lookaside.as_uri() + "/$pkg/$filename/$hashtype/$hash/$filename",
        "tarballs": {
            name: found
            for name in names(source_root)
            if (found := build_tarballs(name, lookaside, source_root))
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder for <name>.git repositories")
    args = parser.parse_args(argv)
    manifest = build(args.out)
    print(manifest["lookaside_template"])  # the lookaside folder's template
    print(manifest["url_template"])  # last: the $pkg URL
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Between a folder on disk and a SourceTree (for the command line and tests)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .tree import DEFAULT_MODE, SourceTree


class TreeError(ValueError):
    pass


def find_spec(folder: Path, component: str | None = None) -> str:
    """The spec in `folder`: `<component>.spec`, or the only `*.spec` at the top."""
    if component:
        name = f"{component}.spec"
        if not (folder / name).is_file():
            raise TreeError(f"{folder} has no {name}")
        return name
    specs = sorted(p.name for p in folder.glob("*.spec") if p.is_file())
    if len(specs) != 1:
        found = ", ".join(specs) or "none"
        raise TreeError(
            f"{folder} must hold exactly one *.spec (found: {found}); name the component"
        )
    return specs[0]


def load_tree(folder: str | os.PathLike[str], component: str | None = None) -> SourceTree:
    """Every regular file and symlink under `folder` (a `.git` folder is left out)."""
    root = Path(folder)
    if not root.is_dir():
        raise TreeError(f"{root} is not a folder")
    tree = SourceTree(spec_name=find_spec(root, component))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        here = Path(dirpath)
        for name in (*filenames, *(d for d in dirnames if (here / d).is_symlink())):
            full = here / name
            rel = full.relative_to(root).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                tree.links[rel] = str(full.readlink())
            elif stat.S_ISREG(info.st_mode):
                tree.write(rel, full.read_bytes(), stat.S_IMODE(info.st_mode))
            else:
                raise TreeError(f"{full} is neither a file nor a symlink")
        dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
    return tree


def write_tree(tree: SourceTree, folder: str | os.PathLike[str]) -> None:
    """Write `tree` to `folder`, which must not exist: built beside it, then renamed."""
    target = Path(folder)
    if target.exists():
        raise TreeError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for rel in tree.files:
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tree.read(rel))
            path.chmod(tree.modes.get(rel, DEFAULT_MODE))
        for rel, link in tree.links.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(link)
        staging.chmod(0o755)
        staging.rename(target)
    except BaseException:
        _remove(staging)
        raise


def _remove(folder: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            (Path(dirpath) / name).unlink()
        for name in dirnames:
            path = Path(dirpath) / name
            path.unlink() if path.is_symlink() else path.rmdir()
    folder.rmdir()

"""Loose-file overlays on a SourceTree: prepend, search-replace, add, remove, rename.

Semantics are azldev's (core/sources/overlays.go): `file` is a doublestar glob over regular
files (symlinks count as files, as with doublestar's no-follow walk), `.spec` files and
anything under a `.git/` folder never match, and matching nothing is an error.  The same
functions edit the inside of an archive (see `archives`).
"""

from __future__ import annotations

import posixpath

from . import glob
from .errors import OverlayFailure
from .regex import RegexError, compile_overlay_regex, replace_all
from .tree import PathError, SourceTree, clean_relative


def is_spec(path: str) -> bool:
    return path.endswith(".spec")


def is_git_internal(path: str) -> bool:
    return path.startswith(".git/") or "/.git/" in path


def check_pattern(pattern: str) -> None:
    """Refuse glob patterns that point outside the sources folder."""
    if pattern.startswith("/"):
        raise OverlayFailure(f"file pattern `{pattern}` is absolute; it must be relative")
    if ".." in pattern.split("/"):
        raise OverlayFailure(f"file pattern `{pattern}` reaches outside the sources folder")


def matching(tree: SourceTree, pattern: str) -> list[str]:
    """The non-spec files a pattern matches; OverlayFailure when there are none."""
    check_pattern(pattern)
    try:
        glob.check(pattern)
    except glob.GlobError as exc:
        raise OverlayFailure(str(exc)) from None
    found = [
        path
        for path in tree.entries()
        if not is_spec(path) and not is_git_internal(path) and glob.match_path(pattern, path)
    ]
    if not found:
        raise OverlayFailure(f"file pattern `{pattern}` did not match any files")
    return found


def _target(tree: SourceTree, path: str) -> str:
    try:
        return tree.resolve(path)
    except PathError as exc:
        raise OverlayFailure(str(exc)) from None


def prepend_lines(tree: SourceTree, pattern: str, lines: tuple[str, ...]) -> None:
    header = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
    for path in matching(tree, pattern):
        target = _target(tree, path)
        tree.write(target, header + tree.read(target), tree.mode(target))


def search_replace(tree: SourceTree, pattern: str, regex: str, replacement: str) -> None:
    """Replace in every matching file; fail unless at least one file changed."""
    paths = matching(tree, pattern)
    try:
        compiled = compile_overlay_regex(regex)
    except RegexError as exc:
        raise OverlayFailure(str(exc)) from None
    literal = replacement.encode("utf-8", "surrogateescape")
    changed = 0
    for path in paths:
        target = _target(tree, path)
        before = tree.read(target)  # a regex needs the whole file (no match is one line)
        after = replace_all(compiled, before, literal)
        if after != before:
            tree.write(target, after, tree.mode(target))
            changed += 1
    if not changed:
        raise OverlayFailure(f"regex `{regex}` did not match any file matching `{pattern}`")


def add_file(tree: SourceTree, dest: str, data: bytes | None) -> None:
    """Create `dest` (relative path); fail if anything exists there.  None: dry run."""
    try:
        path = clean_relative(dest, "file")
        tree.check_no_link_in_parents(path)
    except PathError as exc:
        raise OverlayFailure(str(exc)) from None
    if tree.exists(path):
        raise OverlayFailure(f"cannot add file `{dest}` because it already exists")
    parent = posixpath.dirname(path)
    if parent and not tree.is_dir(parent):
        raise OverlayFailure(f"cannot add file `{dest}`: folder `{parent}` does not exist")
    if data is not None:
        tree.write(path, data)


def remove_files(tree: SourceTree, pattern: str) -> None:
    for path in matching(tree, pattern):
        tree.remove(path)


def rename_file(tree: SourceTree, pattern: str, new_name: str) -> None:
    """Rename the one matching file within its folder; `new_name` is a bare file name."""
    paths = matching(tree, pattern)
    if len(paths) > 1:
        raise OverlayFailure(
            f"file-rename supports only one file, but pattern `{pattern}` matched {len(paths)}"
        )
    old = paths[0]
    try:
        new = clean_relative(posixpath.join(posixpath.dirname(old), new_name), "replacement")
    except PathError as exc:
        raise OverlayFailure(str(exc)) from None
    if new == old:
        return
    if tree.is_dir(new):
        raise OverlayFailure(f"cannot rename `{old}` to `{new}`: a folder exists there")
    parent = posixpath.dirname(new)
    if parent and not tree.is_dir(parent):
        raise OverlayFailure(f"cannot rename `{old}` to `{new}`: no folder `{parent}`")
    tree.rename(old, new)

"""Apply a component's overlays to its sources and say, per overlay, what happened.

Order is azldev's: archive-scoped overlays first (one extract/repack per archive), then
every other overlay in declaration order.  Unlike azldev, a failed overlay does not stop
the run: it leaves the tree as it was before it, gets the verdict "failed", and the next
overlays still run, so every overlay has a verdict.  The result is not ok then.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deviations.vocabulary import Verdict

from ..diff import tree_diff
from ..types import Overlay
from . import archives, files, specops
from .errors import OverlayFailure
from .tree import DEFAULT_MODE, Content, OnDisk, PathError, SourceTree, clean_relative


@dataclass(frozen=True)
class RenderOptions:
    """How to render.

    read_source: returns the bytes an overlay's `source` names (patch-add, file-add).  The
        sync job passes one that reads the config tree from git; the default reads the disk,
        resolving `source` against `overlay.base_dir` and refusing anything outside
        `config_root` (default: the nearest folder above base_dir with an azldev.toml).
    dry_run: like azldev --dry-run: archives are not repacked, file-add/patch-add copy nothing.
    skip_sources: like azldev --skip-sources: archive overlays are skipped.
    max_archive_bytes: uncompressed bytes a source archive may expand to.
    max_archive_ratio: how many times its compressed size it may expand to (see archives).
    diffs: compute the per-overlay and overall diffs (turn off when only the tree matters).
    """

    read_source: Callable[[Overlay], bytes] | None = None
    config_root: str | None = None
    dry_run: bool = False
    skip_sources: bool = False
    max_archive_bytes: int = archives.DEFAULT_LIMIT
    max_archive_ratio: float = archives.DEFAULT_RATIO
    diffs: bool = True


@dataclass(frozen=True)
class OverlayOutcome:
    index: int  # 0-based position in the overlays given to render()
    overlay: Overlay
    verdict: Verdict
    message: str
    diff: str = ""

    @property
    def label(self) -> str:
        return overlay_label(self.index, self.overlay)


@dataclass
class RenderResult:
    ok: bool
    tree_before: SourceTree
    tree_after: SourceTree
    spec_name: str | None
    outcomes: list[OverlayOutcome]
    diff: str = ""
    archives: dict[str, str] = field(default_factory=dict)  # repacked name -> sha256

    @property
    def failures(self) -> list[OverlayOutcome]:
        return [o for o in self.outcomes if o.verdict == Verdict.FAILED]


def overlay_label(index: int, overlay: Overlay) -> str:
    label = f"overlay {index + 1} [{overlay.type}]"
    return f"{label} ({overlay.description!r})" if overlay.description else label


def modifies_archive(overlay: Overlay) -> bool:
    """azldev's ModifiesArchive: file-remove/file-search-replace with `archive` and `file`."""
    return (
        overlay.type in ("file-remove", "file-search-replace")
        and bool(overlay.archive)
        and bool(overlay.file)
    )


def render(
    tree: SourceTree, overlays: Sequence[Overlay], *, options: RenderOptions | None = None
) -> RenderResult:
    """Render `tree` (left untouched) with `overlays`; see the package docstring."""
    options = options or RenderOptions()
    current = tree.copy()
    outcomes: dict[int, OverlayOutcome] = {}
    repacked: dict[str, str] = {}
    inner_diffs: list[str] = []

    groups: dict[str, list[int]] = {}
    for index, overlay in enumerate(overlays):
        if modifies_archive(overlay):
            groups.setdefault(overlay.archive, []).append(index)
    for name, indexes in groups.items():
        _archive_group(current, name, indexes, overlays, options, outcomes, repacked, inner_diffs)

    for index, overlay in enumerate(overlays):
        if index in outcomes:
            continue
        before = current.copy()
        try:
            _apply(current, overlay, options)
        except (OverlayFailure, PathError) as exc:
            current = before
            outcomes[index] = OverlayOutcome(
                index, overlay, Verdict.FAILED, f"{overlay_label(index, overlay)} failed: {exc}"
            )
            continue
        if current.same_as(before):
            outcomes[index] = OverlayOutcome(
                index, overlay, Verdict.NOOP, "applied; changed nothing"
            )
            continue
        diff = _diff(before, current) if options.diffs else ""
        outcomes[index] = OverlayOutcome(index, overlay, Verdict.APPLIED, "applied", diff)

    ordered = [outcomes[i] for i in range(len(overlays))]
    diff = ""
    if options.diffs:
        diff = _diff(tree, current) + "".join(inner_diffs)
    return RenderResult(
        ok=all(o.verdict != Verdict.FAILED for o in ordered),
        tree_before=tree,
        tree_after=current,
        spec_name=tree.spec_name,
        outcomes=ordered,
        diff=diff,
        archives=repacked,
    )


def _diff(before: SourceTree, after: SourceTree, prefix: str = "") -> str:
    """Diff of two trees; `prefix` names an archive the paths are inside of."""

    def view(tree: SourceTree) -> tuple[dict[str, Content], dict[str, int]]:
        # Symlinks are shown as a line naming their target.
        content = {**tree.files, **{p: f"-> {t}\n".encode() for p, t in tree.links.items()}}
        return (
            {prefix + p: d for p, d in content.items()},
            {prefix + p: m for p, m in tree.modes.items()},
        )

    left, left_modes = view(before)
    right, right_modes = view(after)
    # Only what changed is read: a member of an archive kept on disk is read back when
    # its diff needs its text, and never when it is binary (the diff only says so).
    changed = sorted(
        path
        for path in left.keys() | right.keys()
        if left.get(path) != right.get(path)
        or left_modes.get(path, DEFAULT_MODE) != right_modes.get(path, DEFAULT_MODE)
    )
    return tree_diff(
        {p: _shown(left[p]) for p in changed if p in left},
        {p: _shown(right[p]) for p in changed if p in right},
        modes_before=left_modes,
        modes_after=right_modes,
        order=changed,
    )


def _shown(content: Content) -> bytes:
    """What a diff needs of a file: its bytes, or for a binary file on disk, a stand-in."""
    if not isinstance(content, OnDisk):
        return content
    if content.has_nul():  # any binary bytes make the same "Binary files ... differ" line
        return b"\x00" + f"{content}".encode()
    return content.read()


# --- one overlay ------------------------------------------------------------------------


def _apply(tree: SourceTree, overlay: Overlay, options: RenderOptions) -> None:
    kind = overlay.type
    if kind in specops.SPEC_TYPES:
        _apply_spec(tree, overlay)
    if kind in ("patch-add", "file-add"):
        if kind == "file-add" and files.is_spec(overlay.file):
            raise OverlayFailure(f"non-spec overlay not supported on .spec file: `{overlay.file}`")
        dest = specops.patch_file_name(overlay) if kind == "patch-add" else overlay.file
        data = _read_source(overlay, options)
        files.add_file(tree, dest, None if options.dry_run else data)
    elif kind == "file-prepend-lines":
        files.prepend_lines(tree, overlay.file, overlay.lines)
    elif kind == "file-search-replace":
        files.search_replace(tree, overlay.file, overlay.regex, overlay.replacement)
    elif kind in ("file-remove", "patch-remove"):
        files.remove_files(tree, overlay.file)
    elif kind == "file-rename":
        files.rename_file(tree, overlay.file, overlay.replacement)
    elif kind not in specops.SPEC_TYPES:
        raise OverlayFailure(f"invalid overlay type `{kind}`")


def _apply_spec(tree: SourceTree, overlay: Overlay) -> None:
    name = tree.spec_name
    if not name or name not in tree.files:
        raise OverlayFailure(f"the component has no spec file{f' `{name}`' if name else ''}")
    spec = specops.open_spec(tree.read(name), name)
    specops.apply(overlay, spec)
    tree.write(name, spec.to_bytes(), tree.mode(name))


def _read_source(overlay: Overlay, options: RenderOptions) -> bytes:
    if not overlay.source:
        raise OverlayFailure("overlay has no `source`")
    if options.read_source is not None:
        try:
            return options.read_source(overlay)
        except OverlayFailure:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise OverlayFailure(f"cannot read source `{overlay.source}`: {exc}") from None
    return read_source_from_disk(overlay, options.config_root)


def config_root_for(folder: Path) -> Path:
    """The config tree a folder belongs to: the nearest folder up with an azldev.toml."""
    for candidate in (folder, *folder.parents):
        if (candidate / "azldev.toml").is_file():
            return candidate
    return folder


def read_source_from_disk(overlay: Overlay, config_root: str | None = None) -> bytes:
    """`source` resolved against `base_dir`, confined to the config tree (symlinks too)."""
    source = overlay.source
    if posixpath.isabs(source) or Path(source).is_absolute():
        raise OverlayFailure(f"source `{source}` is absolute; it must be relative to the config")
    base = Path(overlay.base_dir or ".").resolve()
    root = Path(config_root).resolve() if config_root else config_root_for(base)
    path = (base / source).resolve()
    if not path.is_relative_to(root):
        raise OverlayFailure(f"source `{source}` points outside the config tree `{root}`")
    if not path.is_file():
        raise OverlayFailure(f"source file `{source}` does not exist (looked in {base})")
    return path.read_bytes()


# --- archives ---------------------------------------------------------------------------


def _archive_group(
    tree: SourceTree,
    name: str,
    indexes: list[int],
    overlays: Sequence[Overlay],
    options: RenderOptions,
    outcomes: dict[int, OverlayOutcome],
    repacked: dict[str, str],
    inner_diffs: list[str],
) -> None:
    """One extract/edit/repack cycle for every overlay that targets archive `name`."""

    def fail_all(why: str) -> None:
        for i in indexes:
            outcomes[i] = OverlayOutcome(
                i, overlays[i], Verdict.FAILED, f"{overlay_label(i, overlays[i])} failed: {why}"
            )

    if options.dry_run or options.skip_sources:
        why = "dry run" if options.dry_run else "sources skipped"
        for i in indexes:
            outcomes[i] = OverlayOutcome(
                i, overlays[i], Verdict.NOOP, f"archive overlay skipped ({why})"
            )
        return
    limits = archives.Limits(options.max_archive_bytes, options.max_archive_ratio)
    try:
        path = clean_relative(name, "archive")
        target = tree.resolve(path)
        content = archives.extract(tree.read(target), name, limits)
    except (OverlayFailure, PathError) as exc:
        fail_all(f"archive `{name}`: {exc}")
        return
    with content:  # the members kept on disk go with it
        _edit_archive(
            tree, name, target, content, indexes, overlays, options, outcomes, repacked, inner_diffs
        )


def _edit_archive(
    tree: SourceTree,
    name: str,
    target: str,
    content: archives.Extracted,
    indexes: list[int],
    overlays: Sequence[Overlay],
    options: RenderOptions,
    outcomes: dict[int, OverlayOutcome],
    repacked: dict[str, str],
    inner_diffs: list[str],
) -> None:
    inner = content.inner()
    changed = False
    for i in indexes:
        overlay = overlays[i]
        before = inner.copy()
        try:
            if overlay.type == "file-remove":
                files.remove_files(inner, overlay.file)
            else:
                files.search_replace(inner, overlay.file, overlay.regex, overlay.replacement)
        except (OverlayFailure, PathError) as exc:
            inner = before
            label = overlay_label(i, overlay)
            outcomes[i] = OverlayOutcome(
                i, overlay, Verdict.FAILED, f"{label} failed in `{name}`: {exc}"
            )
            continue
        diff = ""
        if options.diffs:
            diff = _diff(before, inner, f"{name}/")
        changed = True
        outcomes[i] = OverlayOutcome(i, overlay, Verdict.APPLIED, f"applied inside `{name}`", diff)
    if not changed:
        return
    full_before = content.inner()
    content.replace_inner(inner)
    data = archives.repack(content)
    tree.write(target, data, tree.mode(target))
    repacked[name] = hashlib.sha256(data).hexdigest()
    if options.diffs:
        inner_diffs.append(_diff(full_before, inner, f"{name}/"))

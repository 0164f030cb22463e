"""The overlay engine: render a component's sources exactly as azldev applies its overlays.

Public API (what the sync job and `manage.py render_overlays` call)::

    ENGINE_VERSION: str        # changes whenever rendering output could change

    tree = SourceTree(files={"foo.spec": b"...", "fix.patch": b"..."}, spec_name="foo.spec",
                      modes={"run.sh": 0o755}, links={})
    result = render(tree, overlays, options=RenderOptions(read_source=...))
    result.ok                  # no overlay failed
    result.tree_before         # the input tree (never modified)
    result.tree_after          # the rendered tree
    result.spec_name
    result.outcomes            # [OverlayOutcome(index, overlay, verdict, message, diff)]
                               #   verdict: a Verdict (applied, no-op, failed);
                               #   diff: what that overlay changed (unified diff)
    result.diff                # unified diff of input vs rendered (every file; binary summarised)
    result.archives            # {archive name: sha256 of the repacked archive}
    validate_overlay(overlay)  # problems the engine sees without sources (regex, globs, paths)

    load_tree(folder, component=None) / write_tree(tree, folder)   # disk adapter

Overlays are `deviations.core.types.Overlay`; `index` is the 0-based position in the list.
Archive-scoped overlays run first (as in azldev), then the others in order.  A failed
overlay leaves the tree as it was before it and the rest still run.  Regexes are RE2
(google-re2), globs doublestar; paths never leave the sources folder or the config tree.
"""

from __future__ import annotations

from ..types import Overlay
from . import glob
from .disk import TreeError, load_tree, write_tree
from .errors import OverlayFailure
from .files import check_pattern
from .regex import RegexError, compile_overlay_regex
from .render import (
    OverlayOutcome,
    RenderOptions,
    RenderResult,
    modifies_archive,
    overlay_label,
    read_source_from_disk,
    render,
)
from .tree import PathError, SourceTree, clean_relative

# Bump whenever a change here could change a rendered tree, a verdict or a diff.
ENGINE_VERSION = "2"


def validate_overlay(overlay: Overlay) -> list[str]:
    """What the engine can tell about an overlay before it meets any sources.

    Type-specific required fields and metadata are the config loader's job; this checks
    that regexes compile as RE2 and globs parse, and that paths stay inside.
    """
    problems: list[str] = []
    if overlay.regex:
        try:
            compile_overlay_regex(overlay.regex)
        except RegexError as exc:
            problems.append(str(exc))
    if overlay.file:
        try:
            if overlay.type in ("file-add", "patch-add"):
                clean_relative(overlay.file, "file")
            else:
                check_pattern(overlay.file)
                glob.check(overlay.file)
        except (OverlayFailure, glob.GlobError, PathError) as exc:
            problems.append(str(exc))
    if overlay.archive:
        try:
            clean_relative(overlay.archive, "archive")
        except PathError as exc:
            problems.append(str(exc))
    if overlay.source and overlay.source.startswith("/"):
        problems.append(f"source `{overlay.source}` is absolute; it must be relative")
    return problems


__all__ = [
    "ENGINE_VERSION",
    "OverlayFailure",
    "OverlayOutcome",
    "PathError",
    "RenderOptions",
    "RenderResult",
    "SourceTree",
    "TreeError",
    "load_tree",
    "modifies_archive",
    "overlay_label",
    "read_source_from_disk",
    "render",
    "validate_overlay",
    "write_tree",
]

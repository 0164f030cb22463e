"""A component's rendering as one picklable job, so a worker process can run it.

The sync renders a component at its pinned commit and, when the tip differs, at the tip:
`RenderJob` carries the trees and everything the overlays read (their `source` files),
and `run()` renders each tree and returns plain data.  No callables travel: an
overlay's source is found by its position in the job, and the job's limits are numbers.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from deviations.vocabulary import Verdict

from ..types import Overlay
from . import archives
from .render import OverlayOutcome, RenderOptions, modifies_archive, render
from .tree import PathError, SourceTree


@dataclass(frozen=True)
class VerdictAt:
    """One overlay rendered at one upstream commit: what it did, and its own diff."""

    verdict: Verdict
    message: str = ""
    diff: str = ""
    archive_sha256: str = ""  # an archive overlay that applied: the repacked archive


@dataclass(frozen=True)
class Rendered:
    verdicts: list[VerdictAt]  # per overlay, in the order of the job's overlays
    diff: str  # whole component: upstream files -> Azure Linux files
    files: dict[str, bytes] | None = None  # the rendered files
    archives: dict[str, bytes] = field(default_factory=dict)  # repacked archive -> its bytes


@dataclass(frozen=True)
class RenderJob:
    trees: tuple[SourceTree, ...]  # rendered one after the other, each on its own
    overlays: tuple[Overlay, ...]
    source_paths: tuple[str, ...]  # per overlay: the key of its source in `sources`, or ""
    sources: dict[str, bytes]
    max_archive_bytes: int = archives.DEFAULT_LIMIT
    max_archive_ratio: float = archives.DEFAULT_RATIO


class EngineBug(Exception):
    """The engine raised where it should have given a verdict (not an overlay's fault)."""


def run(job: RenderJob) -> list[Rendered]:
    """Each tree of the job rendered with the job's overlays."""
    by_overlay = {id(o): path for o, path in zip(job.overlays, job.source_paths, strict=True)}

    def read_source(overlay: Overlay) -> bytes:
        return job.sources[by_overlay[id(overlay)]]

    options = RenderOptions(
        read_source,
        max_archive_bytes=job.max_archive_bytes,
        max_archive_ratio=job.max_archive_ratio,
    )
    return [_render(tree, job.overlays, options) for tree in job.trees]


def _render(tree: SourceTree, overlays: tuple[Overlay, ...], options: RenderOptions) -> Rendered:
    try:
        result = render(tree, overlays, options=options)
    except Exception as exc:  # an engine bug must not stop the run: report it for this one
        raise EngineBug(f"the overlay engine failed: {type(exc).__name__}: {exc}") from exc
    repacked = {}
    for name in result.archives:
        # The engine wrote the repacked archive where `archive` leads (symlinks followed);
        # a later loose-file overlay may have moved it away again.
        try:
            path = result.tree_after.resolve(posixpath.normpath(name))
            repacked[posixpath.normpath(name)] = result.tree_after.read(path)
        except (PathError, KeyError):
            continue

    def archive_hash(o: OverlayOutcome) -> str:
        if o.verdict != Verdict.APPLIED or not modifies_archive(o.overlay):
            return ""
        return result.archives.get(o.overlay.archive, "")

    return Rendered(
        [VerdictAt(o.verdict, o.message, o.diff, archive_hash(o)) for o in result.outcomes],
        result.diff,
        {path: result.tree_after.read(path) for path in result.tree_after.files},
        repacked,
    )

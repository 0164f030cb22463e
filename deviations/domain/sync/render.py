"""The sync's use of the overlay engine: sources checked, verdicts and diffs per overlay.

Source files of overlays (`patch-add`, `file-add`) are read from the imported config
tree and must still have the sha256 the import recorded; otherwise the component gets
a `config-changed` error instead of a rendering of something nobody imported.

Each overlay's outcome is a `VerdictAt`, which the sync keeps as it is all the way to the
database (process.py, store.py).
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from deviations.core.distgit import CommitFiles
from deviations.core.overlays import (
    ENGINE_VERSION,
    PathError,
    RenderOptions,
    SourceTree,
    modifies_archive,
)
from deviations.core.overlays import (
    OverlayOutcome as EngineOutcome,
)
from deviations.core.overlays import render as engine_render
from deviations.core.types import Overlay
from deviations.domain.sync.jobs import ComponentJob, OverlayInput
from deviations.vocabulary import SyncIssue, Verdict


class EngineError(Exception):
    """The overlay engine could not render this component at all (not an overlay verdict)."""

    kind = SyncIssue.RENDER_FAILED


class SourceChanged(Exception):
    """A file the import fingerprinted differs now (the tree changed after the import)."""

    kind = SyncIssue.CONFIG_CHANGED


def engine_version() -> str:
    return ENGINE_VERSION


def read_checked(read: Callable[[str], bytes], path: str, sha256: str, what: str) -> bytes:
    data = read(path)
    now = hashlib.sha256(data).hexdigest()
    if sha256 and now != sha256:
        raise SourceChanged(
            f"{what} {path} changed since the config was imported (sha256 {now[:12]}, "
            f"imported {sha256[:12]}); re-import the config"
        )
    return data


def overlay_sources(
    overlays: tuple[OverlayInput, ...], read: Callable[[str], bytes]
) -> dict[str, bytes]:
    """Root-relative path -> bytes of every overlay's `source`, checked against the import."""
    found: dict[str, bytes] = {}
    for item in overlays:
        if item.source_path and item.source_path not in found:
            found[item.source_path] = read_checked(
                read, item.source_path, item.source_sha256, f"the source of {item.key}"
            )
    return found


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


def render(files: CommitFiles, job: ComponentJob, sources: dict[str, bytes]) -> Rendered:
    """The component's overlays applied to the files of one upstream commit."""
    contents, modes = dict(files.files), dict(files.modes)
    # As azldev does after fetching: the spec takes the component's name.
    spec_name = f"{job.name}.spec"
    if files.spec_path != spec_name:
        contents[spec_name] = contents.pop(files.spec_path)
        if files.spec_path in modes:
            modes[spec_name] = modes.pop(files.spec_path)
    tree = SourceTree(contents, spec_name, modes, dict(files.links))
    paths = {id(item.overlay): item.source_path for item in job.overlays}

    def read_source(overlay: Overlay) -> bytes:
        return sources[paths[id(overlay)]]

    try:
        result = engine_render(
            tree, [item.overlay for item in job.overlays], options=RenderOptions(read_source)
        )
    except Exception as exc:  # an engine bug must not stop the run: report it for this one
        raise EngineError(f"the overlay engine failed: {type(exc).__name__}: {exc}") from exc
    repacked = {}
    for name in result.archives:
        # The engine wrote the repacked archive where `archive` leads (symlinks followed);
        # a later loose-file overlay may have moved it away again.
        try:
            path = result.tree_after.resolve(posixpath.normpath(name))
            repacked[posixpath.normpath(name)] = result.tree_after.files[path]
        except (PathError, KeyError):
            continue

    def archive_hash(o: EngineOutcome) -> str:
        if o.verdict != Verdict.APPLIED or not modifies_archive(o.overlay):
            return ""
        return result.archives.get(o.overlay.archive, "")

    return Rendered(
        [VerdictAt(o.verdict, o.message, o.diff, archive_hash(o)) for o in result.outcomes],
        result.diff,
        dict(result.tree_after.files),
        repacked,
    )

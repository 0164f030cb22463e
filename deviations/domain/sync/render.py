"""The sync's use of the overlay engine: sources checked, verdicts and diffs per overlay.

The engine runs in worker processes with a time budget per component (`Renderer`);
this process keeps the git and database work.  Source files of overlays (`patch-add`,
`file-add`) are read from the imported config tree and must still have the sha256 the
import recorded; otherwise the component gets a `config-changed` error instead of a
rendering of something nobody imported.

Each overlay's outcome is a `VerdictAt` (made by the engine's job, core/overlays/renderjob),
which the sync keeps as it is all the way to the database (process.py, store.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from deviations.core.distgit import CommitFiles
from deviations.core.overlays import ENGINE_VERSION, SourceTree, renderjob
from deviations.core.overlays.archives import DEFAULT_LIMIT as DEFAULT_ARCHIVE_BYTES
from deviations.core.overlays.archives import DEFAULT_RATIO as DEFAULT_ARCHIVE_RATIO
from deviations.core.overlays.renderjob import EngineBug, Rendered, RenderJob, VerdictAt
from deviations.core.overlays.tree import Content
from deviations.core.workers import Timeout, WorkerDied, WorkerFailed, Workers
from deviations.domain.sync.jobs import ComponentJob, OverlayInput
from deviations.vocabulary import SyncIssue

__all__ = [
    "EngineError",
    "RenderTimeout",
    "Rendered",
    "Renderer",
    "SourceChanged",
    "VerdictAt",
]


class EngineError(Exception):
    """The overlay engine could not render this component at all (not an overlay verdict)."""

    kind = SyncIssue.RENDER_FAILED


class RenderTimeout(Exception):
    """Rendering the component took longer than its budget; it was stopped."""

    kind = SyncIssue.RENDER_TIMEOUT


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


@dataclass
class Renderer:
    """Renders components in worker processes, each within its time budget.

    The overlay engine runs on untrusted input (specs from dist-git, regexes from the
    config), and a thread that runs away cannot be stopped: a worker process can.  A
    component whose rendering (at pin and tip together) takes longer than `timeout`
    seconds has its worker killed and gets a `render-timeout` issue; the sync goes on.
    """

    timeout: float
    workers: Workers
    max_archive_bytes: int = DEFAULT_ARCHIVE_BYTES
    max_archive_ratio: float = DEFAULT_ARCHIVE_RATIO

    def render(
        self, commits: list[CommitFiles], job: ComponentJob, sources: dict[str, bytes]
    ) -> list[Rendered]:
        """The component's overlays applied to the files of each commit, in order."""
        work = RenderJob(
            tuple(_tree(files, job) for files in commits),
            tuple(item.overlay for item in job.overlays),
            tuple(item.source_path for item in job.overlays),
            dict(sources),
            self.max_archive_bytes,
            self.max_archive_ratio,
        )
        try:
            return self.workers.call(renderjob.run, work, timeout=self.timeout)
        except Timeout:
            raise RenderTimeout(
                f"rendering the overlays took longer than its budget of {self.timeout:g} s "
                "(AZLDRIFT_RENDER_TIMEOUT) and was stopped"
            ) from None
        except (EngineBug, WorkerDied, WorkerFailed) as exc:
            raise EngineError(str(exc)) from None

    def close(self) -> None:
        self.workers.close()


def _tree(files: CommitFiles, job: ComponentJob) -> SourceTree:
    contents: dict[str, Content] = dict(files.files)
    modes = dict(files.modes)
    # As azldev does after fetching: the spec takes the component's name.
    spec_name = f"{job.name}.spec"
    if files.spec_path != spec_name:
        contents[spec_name] = contents.pop(files.spec_path)
        if files.spec_path in modes:
            modes[spec_name] = modes.pop(files.spec_path)
    return SourceTree(contents, spec_name, modes, dict(files.links))

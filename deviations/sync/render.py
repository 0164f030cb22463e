"""The sync's use of the overlay engine: sources checked, verdicts and diffs per overlay.

Source files of overlays (`patch-add`, `file-add`) are read from the imported config
tree and must still have the sha256 the import recorded; otherwise the component gets
a `config-changed` error instead of a rendering of something nobody imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from .jobs import ComponentJob, OverlayInput


class SourceChanged(Exception):
    """A file the import fingerprinted differs now (the tree changed after the import)."""


def engine_version() -> str:
    from ..core.overlays import ENGINE_VERSION

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
class Rendered:
    verdicts: list  # process.VerdictAt, one per overlay in apply order
    diff: str  # whole component: upstream files -> Azure Linux files


def render(
    files: dict[str, bytes], spec_path: str, job: ComponentJob, sources: dict[str, bytes]
) -> Rendered:
    raise NotImplementedError("the overlay engine has not landed yet")

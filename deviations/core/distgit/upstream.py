"""Everything the sync needs from one mirrored repository, read in one pass."""

from __future__ import annotations

from dataclasses import dataclass

from .files import CommitFiles, read_files, read_spec
from .history import History, resolve
from .reader import ObjectReader
from .specinfo import SpecNVR, decode, read_nvr


@dataclass
class UpstreamState:
    history: History
    at_pin: CommitFiles
    at_tip: CommitFiles  # the same object as at_pin when the pin is the tip
    nvr_at_pin: SpecNVR
    nvr_at_tip: SpecNVR


def read_upstream(
    reader: ObjectReader,
    branch: str,
    package: str,
    *,
    snapshot: int | None = None,
    upstream_commit: str = "",
    sidecars: bool = False,
) -> UpstreamState:
    """Pin, tip, drift, and the files at pin and tip (the spec only unless `sidecars`)."""
    history = resolve(reader, branch, snapshot=snapshot, upstream_commit=upstream_commit)
    read = read_files if sidecars else read_spec
    at_pin = read(reader, history.pin.sha, package)
    nvr_at_pin = read_nvr(decode(at_pin.spec))
    if history.tip.sha == history.pin.sha:
        at_tip, nvr_at_tip = at_pin, nvr_at_pin
    else:
        at_tip = read(reader, history.tip.sha, package)
        nvr_at_tip = read_nvr(decode(at_tip.spec))
    return UpstreamState(history, at_pin, at_tip, nvr_at_pin, nvr_at_tip)

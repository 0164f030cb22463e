"""What an overlay did when rendered, and at which upstream commit."""

from __future__ import annotations

from .base import Vocabulary


class Verdict(Vocabulary):
    APPLIED = "applied", "applied", "The overlay applied and changed the files."
    NOOP = "no-op", "no-op", "The overlay applied but changed nothing: upstream may have it."
    FAILED = (
        "failed",
        "failed",
        "The overlay could not be applied; the files stay as they were before it.",
    )


class Target(Vocabulary):
    """The upstream commits the sync renders each component at."""

    PIN = "pin", "pinned commit", "The upstream commit Azure Linux builds from."
    TIP = (
        "tip",
        "branch tip",
        "The newest commit on the upstream branch: what a rebase would meet.",
    )

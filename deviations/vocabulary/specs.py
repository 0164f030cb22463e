"""Where a component's spec comes from."""

from __future__ import annotations

from .base import Vocabulary


class SpecType(Vocabulary):
    UPSTREAM = "upstream", "upstream", "The spec is Fedora's, from its dist-git repository."
    LOCAL = "local", "local", "The spec is Azure Linux's own, kept in the config tree."

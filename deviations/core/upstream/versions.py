"""Comparing an upstream release with Fedora's Version, as RPM compares versions.

`rpm-version` (Python bindings of the rpm-rs crate, maintained by the RPM/Pulp people)
sorts exactly as RPM's rpmvercmp: `~` before, `^` after, digits against letters, leading
zeros; `packaging`'s PEP 440 parser refuses many RPM versions ("1.2.3a", "2024.06.01.1",
"1.0^git") or orders them differently.  A version still holding an unexpanded macro
(`%{majorver}.3`, as the sync shows what it cannot resolve) compares to nothing.
"""

from __future__ import annotations

import re

from rpm_version import evr_compare

_USABLE = re.compile(r"[A-Za-z0-9._+~^]+")
_V = re.compile(r"^v(?=\d)")  # a tag's "v1.2" is version 1.2


def comparable(version: str) -> bool:
    return bool(version) and bool(_USABLE.fullmatch(version))


def compare(upstream: str, fedora: str) -> int | None:
    """-1, 0 or 1 as RPM orders the two versions; None when either cannot be compared."""
    upstream, fedora = _V.sub("", upstream.strip()), fedora.strip()
    if not (comparable(upstream) and comparable(fedora)):
        return None
    # Versions only: no epoch, no release ("1.0" is "0:1.0" with an empty release).
    return int(evr_compare(f"0:{upstream}", f"0:{fedora}"))


def newer(upstream: str, fedora: str) -> bool | None:
    """Is the upstream release newer than Fedora's version (None: cannot tell)."""
    result = compare(upstream, fedora)
    return None if result is None else result > 0

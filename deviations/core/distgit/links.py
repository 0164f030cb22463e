"""Fedora dist-git commit links in overlay metadata (`commits = [...]`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# https://src.fedoraproject.org/rpms/<pkg>/c/<sha>[?branch=f43]  (also forks' /fork/... paths)
_COMMIT_PATH = re.compile(r"/rpms/(?P<pkg>[A-Za-z0-9._+-]+)/c/(?P<sha>[0-9a-fA-F]{7,40})/?$")


def distgit_commit(url: str) -> tuple[str, str] | None:
    """(package, commit id) named by a dist-git commit URL, else None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _COMMIT_PATH.search(path)
    if not match:
        return None
    return match.group("pkg"), match.group("sha").lower()

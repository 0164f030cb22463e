"""Fedora dist-git access: safe URLs, bare mirrors, pins, drift, files at a commit.

Pure Python over the git CLI (no Django).  Typical use::

    cache = MirrorCache(settings.CACHE_DIR / "distgit")
    url = expand_base_uri("https://src.fedoraproject.org/rpms/$pkg.git", "bash")
    mirror = cache.update(url)
    with ObjectReader(mirror.path) as reader:
        state = read_upstream(reader, "f43", "bash", snapshot=1771920000)
"""

from deviations.core.distgit.remotes import (
    ALLOWED_SCHEMES,
    check_branch_name,
    check_commit_id,
    check_package_name,
    check_url,
    expand_base_uri,
)

from .errors import DistGitError, ErrorKind
from .files import CommitFiles, read_files, read_spec
from .history import History, PinSource, find_commit, is_ancestor, resolve
from .links import distgit_commit
from .mirror import MirrorCache, MirrorPolicy, MirrorUpdate
from .reader import Commit, ObjectReader
from .specinfo import SpecNVR, read_nvr
from .upstream import UpstreamState, read_upstream

__all__ = [
    "ALLOWED_SCHEMES",
    "Commit",
    "CommitFiles",
    "DistGitError",
    "ErrorKind",
    "History",
    "MirrorCache",
    "MirrorPolicy",
    "MirrorUpdate",
    "ObjectReader",
    "PinSource",
    "SpecNVR",
    "UpstreamState",
    "check_branch_name",
    "check_commit_id",
    "check_package_name",
    "check_url",
    "distgit_commit",
    "expand_base_uri",
    "find_commit",
    "is_ancestor",
    "read_files",
    "read_nvr",
    "read_spec",
    "read_upstream",
    "resolve",
]

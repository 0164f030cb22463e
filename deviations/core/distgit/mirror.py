"""One bare mirror per upstream repository, in a cache folder: cloned once, then fetched.

The mirror of URL `u` lives at `<root>/<name>-<sha256(u)[:16]>.git`, so two URLs never
share a folder and a folder name says which package it is.  Only branches are mirrored
(`+refs/heads/*:refs/heads/*`, pruned, no tags): a force-pushed branch replaces the old
history, exactly as upstream shows it.

- A clone goes to a temporary folder and is renamed into place, so an interrupted clone
  never leaves a half mirror behind.
- An advisory file lock per mirror lets several threads or worker processes update the
  same cache safely (two components may share one upstream repository).
- Network trouble is retried a bounded number of times with a growing pause; a missing
  repository is not retried.
- `file://` repositories are cloned by path, which lets git hard-link the object files
  instead of repacking them (about twice as fast for the fixture and the demo); git's
  own checks for local clones (no symlinked or foreign-owned object files) apply, and
  fetches afterwards go through the normal transport.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deviations.core.distgit.remotes import (
    check_branch_name,
    check_url,
    display_name,
    file_url_path,
)

from .errors import DistGitError, ErrorKind
from .gitcmd import GitCommandError, run_git

HEADS_REFSPEC = "+refs/heads/*:refs/heads/*"
log = logging.getLogger(__name__)

_MISSING_MARKERS = (
    "does not appear to be a git repository",
    "repository not found",
    "not found",
    "no such repository",
    "does not exist",
)
_TRANSIENT_MARKERS = (
    "could not resolve host",
    "connection refused",
    "connection timed out",
    "operation timed out",
    "early eof",
    "rpc failed",
    "the remote end hung up",
    "connection reset",
    "temporary failure",
)
# An HTTP status in git's words ("The requested URL returned error: 404", "RPC failed;
# HTTP 502"): only there, never a number anywhere in the text -- a mirror's folder name
# carries a hash of its URL, which can hold "404" or "503" as well as any other digits.
_HTTP_STATUS = re.compile(r"(?:returned error:|\bhttp)\s*(\d{3})\b")
_MISSING_STATUSES = frozenset({"404", "410"})
_TRANSIENT_STATUSES = frozenset({"429", "500", "502", "503", "504"})


@dataclass(frozen=True)
class MirrorPolicy:
    """Limits for talking to upstream servers."""

    timeout: float = 300.0  # seconds per git command
    retries: int = 2  # extra attempts after a transient failure
    backoff: float = 2.0  # seconds before the first retry; doubles each time


@dataclass(frozen=True)
class MirrorUpdate:
    path: str
    cloned: bool  # False: an existing mirror was fetched


def classify(stderr: str) -> str:
    low = stderr.lower()
    statuses = set(_HTTP_STATUS.findall(low))
    if statuses & _MISSING_STATUSES or any(m in low for m in _MISSING_MARKERS):
        return ErrorKind.REPO_MISSING
    if statuses & _TRANSIENT_STATUSES or any(m in low for m in _TRANSIENT_MARKERS):
        return ErrorKind.FETCH_FAILED
    return ErrorKind.GIT_FAILED


def _first_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or ["(no message)"])[0]


@contextlib.contextmanager
def mirror_lock(path: Path) -> Iterator[None]:
    """Hold `<path>.lock` exclusively (across threads and processes) while the mirror at
    `path` is made or fetched; its folder is created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class MirrorCache:
    """The folder of mirrors (normally settings.CACHE_DIR / "distgit")."""

    def __init__(self, root: str | os.PathLike[str], policy: MirrorPolicy | None = None) -> None:
        self.root = Path(root)
        self.policy = policy or MirrorPolicy()

    def path_for(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        return self.root / f"{display_name(url)}-{digest}.git"

    def has(self, url: str) -> bool:
        return (self.path_for(url) / "HEAD").is_file()

    def _with_retries(self, url: str, action: str, args: list[str], git_dir: str | None) -> None:
        delay = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            try:
                run_git(args, git_dir=git_dir, timeout=self.policy.timeout)
                return
            except GitCommandError as exc:
                kind = classify(exc.stderr)
                retry = kind == ErrorKind.FETCH_FAILED and attempt < self.policy.retries
                if not retry:
                    if kind == ErrorKind.REPO_MISSING:
                        message = f"upstream repository {url} does not exist (or is not readable)"
                    else:
                        message = f"{action} {url} failed: {_first_line(exc.stderr)}"
                    raise DistGitError(kind, message) from None
            except DistGitError as exc:
                if exc.kind != ErrorKind.TIMEOUT or attempt >= self.policy.retries:
                    raise
            time.sleep(delay)
            delay *= 2

    def update(self, url: str) -> MirrorUpdate:
        """Clone the mirror if absent, else fetch it; DistGitError on failure."""
        check_url(url)
        path = self.path_for(url)
        with mirror_lock(path):
            if (path / "HEAD").is_file():
                # By URL, not by a remote name: the mirror's folder is keyed by the URL,
                # and nothing stored in the mirror can redirect the fetch elsewhere.
                args = ["fetch", "--quiet", "--prune", "--no-tags", "--", url, HEADS_REFSPEC]
                try:
                    self._with_retries(url, "fetching", args, str(path))
                    return MirrorUpdate(str(path), cloned=False)
                except DistGitError as exc:
                    if exc.kind != ErrorKind.GIT_FAILED:
                        raise
                    # Upstream answered, our copy did not cope (damaged by a crash?):
                    # start again from a fresh clone.
                    log.warning("mirror %s failed to fetch (%s); cloning it again", path, exc)
            if path.exists():  # debris of a crash, or a mirror that could not fetch
                shutil.rmtree(path)
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=self.root))
            try:
                source = file_url_path(url) or url
                args = ["clone", "--quiet", "--bare", "--no-tags", "--", source, str(tmp / "m")]
                self._with_retries(url, "cloning", args, None)
                (tmp / "m").rename(path)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            return MirrorUpdate(str(path), cloned=True)

    def remote_tip(self, url: str, branch: str) -> str | None:
        """The upstream branch's commit id without fetching (None: no such branch).

        Cheaper than a fetch (one round trip, nothing written), so an unchanged
        repository can be recognised before touching its mirror.
        """
        check_url(url)
        check_branch_name(branch)
        ref = f"refs/heads/{branch}"
        delay = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            try:
                result = run_git(["ls-remote", "--", url, ref], timeout=self.policy.timeout)
            except GitCommandError as exc:
                kind = classify(exc.stderr)
                if kind != ErrorKind.FETCH_FAILED or attempt >= self.policy.retries:
                    if kind == ErrorKind.REPO_MISSING:
                        message = f"upstream repository {url} does not exist (or is not readable)"
                    else:
                        message = f"listing {url} failed: {_first_line(exc.stderr)}"
                    raise DistGitError(kind, message) from None
                time.sleep(delay)
                delay *= 2
                continue
            for line in result.stdout.decode("utf-8", "replace").splitlines():
                sha, _, name = line.partition("\t")
                if name == ref:
                    return sha
            return None
        return None  # pragma: no cover - the loop always returns or raises

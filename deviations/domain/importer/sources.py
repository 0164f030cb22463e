"""Where an import reads the config from: a folder, a local git repository, or a URL.

- a folder with `azldev.toml` (and no `--ref`): read as it is on disk, no provenance;
- a local git repository (work tree or bare) or a bundle file, or any folder with
  `--ref`: read from git objects at the revision (default HEAD), with provenance;
- an https://, ssh://, git:// or file:// URL: mirrored into the cache folder with
  GitPython (cloned once, then fetched), then read like a local repository.  git's
  `ext::`/`fd::` transports, plain http and anything else are refused, and the mirror's
  git runs with the same locked-down environment as dist-git access (GIT_ALLOW_PROTOCOL,
  no system/global config, no prompts).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import git

from deviations.core.config import Config, ConfigError, ConfigIssue, load_config
from deviations.core.config.history import CommitInfo, Provenance, Timeline, WalkStats, walk
from deviations.core.config.source import Limits
from deviations.core.distgit import DistGitError, check_url
from deviations.core.distgit.gitcmd import git_env
from deviations.core.distgit.mirror import mirror_lock
from deviations.core.distgit.remotes import ALLOWED_PROTOCOLS, display_name
from deviations.domain.importer.timeline import resume_allowed

REMOTE_HEAD = "refs/azldrift/remote-head"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::?|^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:")


@dataclass
class LoadedSource:
    config: Config
    label: str  # what the user named (recorded as ImportRun.source)
    ref: str = ""
    commit: CommitInfo | None = None
    provenance: dict[str, list[Provenance]] | None = None
    git_dir: str = ""  # where the commit can be read again (sync reads overlay sources)
    stats: WalkStats | None = None  # the history walk's, for a git source
    timeline: Timeline | None = None  # what the replay saw, commit by commit (git only)
    keys: dict[str, list[str]] | None = None  # the replay's key of each deviation


def _refuse(message: str) -> ConfigError:
    return ConfigError([ConfigIssue("", message)])


def is_url(source: str) -> bool:
    return bool(_URL.match(source))


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def mirror(url: str, cache_dir: Path) -> str:
    """A bare mirror of `url` (or of a bundle file) in the cache, fetched now; its git dir."""
    name = display_name(url) if is_url(url) else Path(url).stem or "config"
    path = cache_dir / "config" / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:16]}.git"
    # The same locked-down environment as dist-git access; GIT_DIR pins the repository
    # (GitPython adds to the inherited environment, so a stray GIT_DIR must not win).
    env = {**git_env(), "GIT_DIR": str(path)}
    with mirror_lock(path):
        repo = git.Repo(path) if _is_git_dir(path) else git.Repo.init(path, bare=True)
        with repo.config_writer() as config:
            # Only the allowed transports, also for redirects; never a hook.
            config.set_value("protocol", "allow", "never")
            for name in ALLOWED_PROTOCOLS:
                config.set_value(f'protocol "{name}"', "allow", "always")
            config.set_value("core", "hooksPath", os.devnull)
        try:
            with repo.git.custom_environment(**env):
                repo.git.fetch(
                    "--quiet",
                    "--prune",
                    "--no-tags",
                    "--",
                    url,
                    "+refs/heads/*:refs/heads/*",
                    "+refs/tags/*:refs/tags/*",
                    f"+HEAD:{REMOTE_HEAD}",
                )
        except git.GitCommandError as exc:
            detail = (exc.stderr or "").strip().splitlines()
            message = detail[-1] if detail else str(exc)
            raise _refuse(f"cannot fetch {url}: {message.removeprefix('stderr: ')}") from None
    return str(path)


def _from_git(
    git_dir: str,
    ref: str,
    label: str,
    cache_dir: Path,
    limits: Limits,
    *,
    default_ref: str = "HEAD",
) -> LoadedSource:
    # Provenance checkpoints: the next import of a later commit walks only what is new,
    # from a commit whose timeline the records already hold (else from the root, which
    # back-fills the record through time).
    timeline = Timeline()
    history = walk(
        git_dir,
        ref or default_ref,
        checkpoints=cache_dir / "provenance",
        limits=limits,
        timeline=timeline,
        resume_allowed=resume_allowed(),
    )
    return LoadedSource(
        history.config,
        label,
        ref,
        history.commit,
        history.provenance,
        git_dir,
        history.stats,
        timeline,
        history.keys,
    )


def load_source(
    source: str, ref: str | None, cache_dir: Path, limits: Limits | None = None
) -> LoadedSource:
    """Read and check the config named by `source`; ConfigError lists every problem."""
    ref = ref or ""
    limits = limits or Limits()
    if source.startswith("-"):
        raise _refuse(f"{source!r} is not a folder, a repository or a URL")
    if _SCP.match(source) and not Path(source).exists():
        raise _refuse(
            f"refusing {source!r}: scp-style addresses are not accepted; "
            "write it as ssh://user@host/path"
        )
    if is_url(source):
        try:
            check_url(source)
        except DistGitError as exc:
            raise _refuse(f"refusing {source!r}: {exc}") from None
        git_dir = mirror(source, cache_dir)
        return _from_git(git_dir, ref, source, cache_dir, limits, default_ref=REMOTE_HEAD)
    path = Path(source).expanduser()
    if path.is_file():  # a git bundle
        git_dir = mirror(str(path.resolve()), cache_dir)
        return _from_git(git_dir, ref, source, cache_dir, limits, default_ref=REMOTE_HEAD)
    if not path.is_dir():
        raise _refuse(
            f"{source} does not exist (give a folder with azldev.toml, a repository or a URL)"
        )
    if not ref and (path / "azldev.toml").is_file():
        return LoadedSource(load_config(path, limits=limits), str(path.resolve()))
    if _is_git_dir(path):
        return _from_git(str(path.resolve()), ref, source, cache_dir, limits)
    if _is_git_dir(path / ".git"):
        return _from_git(str((path / ".git").resolve()), ref, source, cache_dir, limits)
    if ref:
        raise _refuse(f"{source} is not a git repository, so --ref {ref} cannot be read from it")
    raise _refuse(f"{source} has no azldev.toml at its top and is not a git repository")

"""Running the git CLI safely: a fixed environment, allowed protocols, timeouts.

Every git process azldrift starts for dist-git goes through `git_command()`/`run_git()`:

- the environment drops inherited `GIT_*` variables (a stray `GIT_DIR` or
  `GIT_SSH_COMMAND` from the caller must not redirect us), ignores the system and
  global git config (no aliases, hooks paths, credential helpers or `url.insteadOf`
  rewrites from the machine), never prompts, and uses the C locale so messages are stable;
- `GIT_ALLOW_PROTOCOL` and `protocol.*.allow` limit transports to https, ssh, git and
  file — which also covers redirects and submodules, and disables `ext::`/`fd::`;
- each command has a timeout; on expiry the whole process group (git and the helpers it
  started, such as ssh or upload-pack) is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from deviations.core.distgit.remotes import ALLOWED_PROTOCOLS

from .errors import DistGitError, ErrorKind

DEFAULT_TIMEOUT = 300.0


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "GIT_ALLOW_PROTOCOL": ":".join(ALLOWED_PROTOCOLS),
            # BatchMode: never ask for a password or a host key confirmation.
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=30",
            "LC_ALL": "C",
            "LANGUAGE": "C",
        }
    )
    return env


_ENV = git_env()


def _config_args() -> list[str]:
    args = ["-c", "protocol.allow=never"]
    for name in ALLOWED_PROTOCOLS:
        args += ["-c", f"protocol.{name}.allow=always"]
    # A mirror is ours and has no hooks; never fall back to a template with samples.
    args += ["-c", "core.hooksPath=/dev/null", "-c", "init.templateDir="]
    # Mirrors are a cache: no fsync (a clone takes ~40% less time).  A mirror damaged by a
    # crash is detected by the failing fetch and cloned again (mirror.py).
    args += ["-c", "core.fsync=none"]
    return args


_CONFIG_ARGS = _config_args()


def git_command(args: Sequence[str], git_dir: str | None = None) -> list[str]:
    """The argv for `git [safe config] [--git-dir=...] args...`."""
    cmd = ["git", *_CONFIG_ARGS]
    if git_dir is not None:
        cmd.append(f"--git-dir={git_dir}")
    cmd.extend(args)
    return cmd


@dataclass
class GitResult:
    returncode: int
    stdout: bytes
    stderr: str


class GitCommandError(Exception):
    def __init__(self, cmd: Sequence[str], returncode: int, stderr: str) -> None:
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"git {' '.join(cmd[:1])} failed ({returncode}): {stderr.strip()}")


def run_git(
    args: Sequence[str],
    *,
    git_dir: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
    input: bytes | None = None,
) -> GitResult:
    """Run one git command; raise GitCommandError (check) or DistGitError(timeout)."""
    cmd = git_command(args, git_dir)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_ENV,
        start_new_session=True,  # so a timeout can kill git's helpers too
    )
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        raise DistGitError(
            ErrorKind.TIMEOUT, f"git {args[0]} took longer than {timeout:.0f}s and was stopped"
        ) from None
    except BaseException:
        kill_group(proc)
        proc.communicate()
        raise
    stderr = err.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise GitCommandError(list(args), proc.returncode, stderr)
    return GitResult(proc.returncode, out, stderr)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)

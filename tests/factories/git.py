"""Running git for the test repositories, free of the machine's and the user's git config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Without GIT_* variables inherited from a hook or a CI job, without system or global
# config (a user's aliases, signing or default branch must not change what tests build).
GIT_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
GIT_ENV.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})


def bare_git(git_dir: str | Path, *args: str, input: bytes | None = None) -> str:
    """`git --git-dir=<git_dir> args…`: its standard output."""
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        input=input,
        capture_output=True,
        env=GIT_ENV,
        check=True,
    )
    return result.stdout.decode()


def work_tree_git(
    work_tree: Path, *args: str, when: str = "2026-01-10T12:00:00+00:00", who: str = "Ada"
) -> str:
    """`git -C <work_tree> args…` as `who` at `when` (author and committer): its output."""
    env = {
        **GIT_ENV,
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": f"{who.lower()}@example.org",
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": f"{who.lower()}@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    return subprocess.run(
        ["git", "-C", str(work_tree), *args], check=True, capture_output=True, text=True, env=env
    ).stdout

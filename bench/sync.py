#!/usr/bin/env python
"""Upstream sync benchmark against make-distgit-fixture repositories, with the full check.

    .venv/bin/python bench/sync.py [--components N] [--fixture DIR] [--workers W]
                                   [--database-url URL] [--baseline-sample K] [--keep DIR]

Needs ../shared (the real config, the specs tarball and bin/make-distgit-fixture).
Imports the real Azure Linux config into a scratch database (SQLite in a temporary
folder unless --database-url), builds fixture repositories for N of its components
(default: all, ~7,581; or reuses --fixture), then measures, each in the same run:

- the baseline: a plain loop, one repository after another, of `git clone` and
  reading the spec at the snapshot commit (`git rev-list -1 --before` + `git show`);
  --baseline-sample K times K repositories and scales up (default: all of them);
- cold sync: empty mirror cache, nothing synced yet;
- the full manifest check: for every component, pin, tip, commits behind and
  version/release at pin and tip against manifest.json (pinned components whose
  Fedora commit the fixture lacks must report a clear pin-missing error);
- no-op re-sync: nothing changed upstream;
- re-sync with 1% changed: a new commit on the tracked branch of 1% of the repositories.

Targets on a 2-core machine for all ~7,500: cold sync under 3 minutes, no-op re-sync
under 60 s.  Prints each time with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()
CONFIG = SHARED / "data" / "azurelinux-4.0" / "config"
TOOL = SHARED / "bin" / "make-distgit-fixture"
GIT_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
GIT_ENV.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})


def config_names() -> list[str]:
    comps = CONFIG / "base" / "comps"
    names = set(tomli.loads((comps / "components.toml").read_text())["components"])
    for path in comps.glob("**/*.comp.toml"):
        names |= set(tomli.loads(path.read_text())["components"])
    return sorted(names)


def build_fixture(names: list[str], out: Path) -> dict:
    names_file = out.parent / f"{out.name}-names.txt"
    names_file.write_text("\n".join(names))
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(TOOL),
            "--out",
            str(out),
            "--names",
            f"@{names_file}",
            "--skip-unusable",
            "--quiet",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"fixture: {len(names)} components -> {out} in {time.perf_counter() - started:.1f}s")
    return json.loads((out / "manifest.json").read_text())


def baseline(manifest: dict, sample: int, work: Path) -> float:
    """git clone + the spec at the snapshot commit, one repository after another."""
    names = sorted(manifest["components"])
    chosen = names if sample >= len(names) else random.Random(0).sample(names, sample)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for name in chosen:
        entry = manifest["components"][name]
        target = work / name
        subprocess.run(
            ["git", "clone", "--quiet", entry["url"], str(target)], check=True, env=GIT_ENV
        )
        sha = subprocess.run(
            [
                "git",
                "-C",
                str(target),
                "rev-list",
                "-1",
                f"--before={manifest['snapshot']}",
                "origin/f43",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=GIT_ENV,
        ).stdout.strip()
        subprocess.run(
            ["git", "-C", str(target), "show", f"{sha}:{entry['spec']}"],
            check=True,
            capture_output=True,
            env=GIT_ENV,
        )
    elapsed = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    return elapsed * len(names) / len(chosen)


def add_commits(manifest: dict, names: list[str]) -> None:
    """A new commit on f43 and rawhide of each named repository (see restore())."""
    for name in names:
        entry = manifest["components"][name]
        for branch in ("f43", "rawhide"):
            tip = entry["tips"][branch]["sha"]
            spec = (
                subprocess.run(
                    ["git", f"--git-dir={entry['repo']}", "show", f"{tip}:{entry['spec']}"],
                    check=True,
                    capture_output=True,
                    env=GIT_ENV,
                ).stdout
                + b"# rebuilt for the benchmark\n"
            )
            stream = (
                (
                    f"commit refs/heads/{branch}\n"
                    "committer Bench <bench@example.org> 1780000000 +0000\ndata 6\nbench\n"
                    f"from {tip}\nM 100644 inline {entry['spec']}\ndata {len(spec)}\n"
                ).encode()
                + spec
                + b"\n"
            )
            subprocess.run(
                ["git", f"--git-dir={entry['repo']}", "fast-import", "--quiet", "--force"],
                input=stream,
                check=True,
                env=GIT_ENV,
            )


def restore(manifest: dict, names: list[str]) -> None:
    """Put the branches of the named repositories back where the manifest says."""
    for name in names:
        entry = manifest["components"][name]
        for branch, tip in entry["tips"].items():
            subprocess.run(
                [
                    "git",
                    f"--git-dir={entry['repo']}",
                    "update-ref",
                    f"refs/heads/{branch}",
                    tip["sha"],
                ],
                check=True,
                env=GIT_ENV,
            )


def check_manifest(manifest: dict) -> tuple[int, int, int, list[str]]:
    """(matched, pinned-with-clear-error, no-repository, problems) for every component."""
    from deviations.models import Component, ComponentSync

    syncs = {s.component_id: s for s in ComponentSync.objects.all()}
    matched = pinned = missing = 0
    problems = []
    for component in Component.objects.filter(removed=False, spec_type="upstream"):
        sync = syncs.get(component.pk)
        package = component.upstream_name or component.name
        entry = manifest["components"].get(package)
        if sync is None:
            continue  # not in this run's sample
        if entry is None:
            if sync.error_kind == "repo-missing":
                missing += 1
            else:
                problems.append(f"{component.name}: expected repo-missing, got {sync.error_kind}")
            continue
        if component.upstream_commit:
            if sync.error_kind == "pin-missing" and component.upstream_commit in sync.error:
                pinned += 1
            else:
                problems.append(f"{component.name}: expected pin-missing, got {sync.error_kind!r}")
            continue
        branch = component.dist_git_branch
        tip = entry["tips"][branch]
        pin = entry["snapshot"] if component.snapshot_at else tip
        behind = entry["ahead_of_snapshot"][branch] if component.snapshot_at else 0
        want = (
            pin["sha"],
            tip["sha"],
            behind,
            pin["version"],
            pin["release"],
            tip["version"],
            tip["release"],
        )
        got = (
            sync.pinned_commit,
            sync.tip_commit,
            sync.commits_behind,
            sync.version_at_pin,
            sync.release_at_pin,
            sync.version_at_tip,
            sync.release_at_tip,
        )
        if got == want:
            matched += 1
        else:
            problems.append(f"{component.name}: {got} != {want}")
    return matched, pinned, missing, problems


def timed_sync(label: str, template: str, names: list[str] | None, workers: int | None) -> float:
    from deviations.domain.sync import SyncRequest, start_sync

    started = time.perf_counter()
    run = start_sync(SyncRequest(components=names, base_uri=template, workers=workers))
    elapsed = time.perf_counter() - started
    print(
        f"{label:<22}{elapsed:8.1f}s  {run.total} components: {run.changed} changed, "
        f"{run.skipped} unchanged, {run.errors} with problems ({run.status})"
    )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, help="how many (default: all)")
    parser.add_argument("--fixture", type=Path, help="reuse fixture repositories built earlier")
    parser.add_argument("--workers", type=int, help="parallel git jobs (default: 2 per CPU)")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--baseline-sample", type=int, help="time K repositories and scale up")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args()
    if not TOOL.exists() or not CONFIG.exists():
        print(f"needs {SHARED} (the read-only shared data folder); it is absent", file=sys.stderr)
        return 2

    work = args.keep or Path(tempfile.mkdtemp(prefix="azldrift-bench-sync-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["AZLDRIFT_CACHE_DIR"] = str(work / "cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from deviations.domain.importer import import_config
    from deviations.models import Component

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    import_config(CONFIG)
    print(f"import of the real config: {time.perf_counter() - started:.1f}s")

    all_names = config_names()
    names = all_names[: args.components] if args.components else all_names
    if args.fixture:
        manifest = json.loads((args.fixture / "manifest.json").read_text())
        fixture_dir = args.fixture
    else:
        fixture_dir = work / "distgit"
        manifest = build_fixture(names, fixture_dir)
    template = manifest["url_template"]
    selection = None if len(names) == len(all_names) else names
    usable = len(manifest["components"])
    print(f"{len(names)} components, {usable} repositories, {os.cpu_count()} CPUs")

    base = baseline(manifest, args.baseline_sample or usable, work / "baseline")
    scaled = "" if not args.baseline_sample else f" (from {args.baseline_sample}, scaled)"
    print(f"{'baseline clone+spec':<22}{base:8.1f}s  {usable} repositories{scaled}")

    cold = timed_sync("cold sync", template, selection, args.workers)
    matched, pinned, missing, problems = check_manifest(manifest)
    total = Component.objects.filter(removed=False, name__in=names).count()
    print(
        f"manifest check: {matched} match pin/tip/behind/versions, {pinned} pinned to a commit "
        f"the fixture lacks (clear error), {missing} without a repository, "
        f"{len(problems)} problems, of {total} components"
    )
    for problem in problems[:20]:
        print("  ", problem)

    noop = timed_sync("no-op re-sync", template, selection, args.workers)
    upstream = [n for n in sorted(manifest["components"]) if n in set(names)]
    changed = random.Random(1).sample(upstream, max(1, len(upstream) // 100))
    add_commits(manifest, changed)
    try:
        one = timed_sync("re-sync, 1% changed", template, selection, args.workers)
    finally:
        restore(manifest, changed)  # a --fixture given to us is left as it was

    print("\nratios to the baseline (lower is better):")
    for label, value in (("cold sync", cold), ("no-op re-sync", noop), ("1% changed", one)):
        print(f"  {label:<18}{value / base:6.3f}  ({base / value:5.1f}x faster)")
    if usable >= 7000:
        print(
            f"targets: cold {'OK' if cold < 180 else 'MISSED'} (< 180 s), "
            f"no-op {'OK' if noop < 60 else 'MISSED'} (< 60 s)"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

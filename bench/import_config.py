#!/usr/bin/env python
"""Config import benchmark: the real Azure Linux 4.0 tree (../shared), cold and no-op.

    .venv/bin/python bench/import_config.py [--backends sqlite,postgres] [--config DIR]
                                            [--bundle FILE] [--no-history]
                                            [--generate N]

--generate N imports a generated config instead: the real tree plus bare components
(`gen-000001`..., 50,000 per `*.comp.toml` file), N components in all (the limit,
AZLDRIFT_MAX_COMPONENTS, is raised to N for the run).
Targets for 100,000 components: a cold import within 20 s and 400 MB peak RSS on SQLite.

Prints, each beside a baseline measured in the same run:

- loading the tree (parse, validate, resolve 7,583 components, list the deviations);
  baseline: a bare tomli parse of every TOML file of the tree;
- a cold import (empty database) and a no-op re-import, with wall time and peak Python
  memory (tracemalloc, measured in a second run so it does not slow the timed one) and
  the child process's peak RSS, on SQLite (a scratch file) and PostgreSQL (a scratch
  database `azldrift_bench_import_<pid>` on BENCH_DATABASE_SERVER, default
  postgres://postgres@127.0.0.1:5432, created and dropped here: a name of its own per
  run, so runs side by side do not drop each other's).  Targets on 2 cores: cold under
  5 s, no-op under 2 s;
- provenance from the history bundle: a full first-parent walk, and a walk resumed from
  a checkpoint; baseline: `git log --raw` plus a bare tomli parse of every TOML blob
  version in the history (what any walk has to read at least).

Each database run happens in a child process, so settings and memory start clean.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import tomli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared"))
CONFIG = SHARED / "data" / "azurelinux-4.0" / "config"
BUNDLE = SHARED / "data" / "azurelinux-4.0" / "config-history.bundle"
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# Inherited by the child processes, so they all use this run's database.
PG_NAME = os.environ.setdefault("BENCH_IMPORT_DATABASE", f"azldrift_bench_import_{os.getpid()}")
GENERATED_PER_FILE = 50_000


def mb(n: float) -> str:
    return f"{n / 1e6:7.1f} MB" if n else "      - MB"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def traced(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- child: one database ------------------------------------------------------------------


def child(database_url: str, config: str, reset: str) -> None:
    """Migrate, cold import, no-op import; then again traced for memory. Prints JSON."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from deviations.domain.importer import import_config

    def fresh() -> None:
        subprocess.run([sys.executable, __file__, "--reset", reset], check=True)
        from django.db import connections

        connections.close_all()
        call_command("migrate", verbosity=0)

    fresh()
    cpu = time.process_time()
    cold, result = timed(lambda: import_config(config))
    cold_cpu = time.process_time() - cpu  # (SQLite works in this process; PostgreSQL not)
    assert result.run is not None
    cold_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before tracemalloc's
    noop, again = timed(lambda: import_config(config))
    assert again.run is None
    noop_peak = cold_peak = 0
    if os.environ.get("BENCH_TRACE", "1") == "1":  # (tracemalloc triples the time)
        noop_peak = traced(lambda: import_config(config))
        fresh()
        cold_peak = traced(lambda: import_config(config))
    print(
        json.dumps(
            {
                "cold": cold,
                "cold_cpu": cold_cpu,
                "noop": noop,
                "cold_peak": cold_peak,
                "noop_peak": noop_peak,
                "cold_timings": result.timings,
                "noop_timings": again.timings,
                "records": result.totals()["created"],
                "maxrss_kb": cold_rss,
            }
        )
    )


def reset(target: str) -> None:
    """Empty scratch database: delete the SQLite file, or (re)create the PostgreSQL one."""
    if target.startswith("sqlite:"):
        Path(target.removeprefix("sqlite:")).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        if target == "postgres":
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def generate(config: Path, total: int, out: Path) -> Path:
    """The real tree plus generated bare components, `total` components in all."""
    shutil.copytree(config, out, symlinks=True)
    declared = len(load_names(out))
    folder = out / "base" / "comps" / "generated"
    folder.mkdir()
    names = [f"gen-{i:06d}" for i in range(1, max(0, total - declared) + 1)]
    for start in range(0, len(names), GENERATED_PER_FILE):
        chunk = names[start : start + GENERATED_PER_FILE]
        text = "".join(f"[components.{name}]\n" for name in chunk)
        (folder / f"part-{start // GENERATED_PER_FILE:03d}.comp.toml").write_text(text)
    return out


def load_names(config: Path) -> set[str]:
    names: set[str] = set()
    for path in config.rglob("*.toml"):
        data = tomli.loads(path.read_text())
        if isinstance(data.get("components"), dict):
            names |= set(data["components"])
    return names


def run_backend(name: str, config: Path, *, trace: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if name == "sqlite":
            path = Path(tmp) / "bench.sqlite3"
            url, target = f"sqlite:///{path}", f"sqlite:{path}"
        else:
            url, target = f"{SERVER}/{PG_NAME}", "postgres"
        env = {
            **os.environ,
            "AZLDRIFT_CACHE_DIR": str(Path(tmp) / "cache"),
            "BENCH_TRACE": "1" if trace else "0",
        }
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    "--config",
                    str(config),
                    "--target",
                    target,
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        finally:
            if name != "sqlite":
                reset("drop")
    return json.loads(out.strip().splitlines()[-1])


# --- parent --------------------------------------------------------------------------------


def bench_load(config: Path) -> None:
    from deviations.core.config import load_config
    from deviations.core.config.source import Limits

    files = sorted(config.rglob("*.toml"))
    texts = [f.read_text() for f in files]
    limits = Limits(max_components=int(os.environ.get("AZLDRIFT_MAX_COMPONENTS", "200000")))
    base, _ = timed(lambda: [tomli.loads(t) for t in texts])
    load_time, loaded = timed(lambda: load_config(config, limits=limits))
    peak = traced(lambda: load_config(config, limits=limits))
    devs = sum(len(d) for d in loaded.deviations.values())
    print(
        f"tree: {len(files)} TOML files, {len(loaded.components):,} components, {devs} deviations"
    )
    print(f"  baseline: tomli parse of every file       {base:6.2f} s")
    ratio = load_time / base
    print(
        f"  load (parse, validate, resolve, extract)  {load_time:6.2f} s   ({ratio:4.1f}x)"
        f"   peak {mb(peak)}"
    )


def bench_history(bundle: Path) -> None:
    from deviations.core.config.history import commit_log, walk
    from deviations.core.distgit import ObjectReader

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "history.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(clone)], check=True)
        git_dir = str(clone)

        def baseline() -> int:
            log = commit_log(git_dir, "HEAD")
            blobs = sorted(
                {
                    b
                    for _, changes in log
                    for p, _, b in changes
                    if p.endswith(".toml") and b.strip("0")
                }
            )
            with ObjectReader(git_dir) as reader:
                for sha in blobs:
                    with contextlib.suppress(tomli.TOMLDecodeError, UnicodeDecodeError):
                        tomli.loads(reader.blob(sha).decode())
            return len(blobs)

        base, blob_count = timed(baseline)
        full, result = timed(lambda: walk(git_dir))
        peak = traced(lambda: walk(git_dir))
        checkpoints = Path(tmp) / "checkpoints"
        old = subprocess.run(
            ["git", "--git-dir", git_dir, "rev-parse", "HEAD~20"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        walk(git_dir, old, checkpoints=checkpoints)
        resumed, again = timed(lambda: walk(git_dir, checkpoints=checkpoints))
        stats = result.stats
        print(
            f"provenance: {stats['commits']} commits ({stats['commits_loaded']} loaded, "
            f"{stats['commits_invalid']} invalid by current rules, skipped)"
        )
        print(f"  baseline: git log --raw + tomli of {blob_count} TOML blobs  {base:6.2f} s")
        print(
            f"  full walk                                 {full:6.2f} s   ({full / base:4.1f}x)"
            f"   peak {mb(peak)}"
        )
        print(
            f"  walk resumed 20 commits back              {resumed:6.2f} s"
            f"   (resumed from {again.stats['resumed_from'][:12]})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--config", default=str(CONFIG))
    parser.add_argument("--bundle", default=str(BUNDLE))
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument("--generate", type=int, help="N generated bare components instead")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--reset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reset:
        reset(args.reset)
        return
    if args.child:
        child(args.child, args.config, args.target)
        return
    config = Path(args.config)
    if not (config / "azldev.toml").is_file():
        sys.exit(f"no config at {config} (the real tree lives in ../shared)")
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.generate:
            config = generate(config, args.generate, Path(tmp) / "config")
            args.no_history = True
            # The import's own limit (AZLDRIFT_MAX_COMPONENTS) raised to the size asked for.
            limit = max(int(os.environ.get("AZLDRIFT_MAX_COMPONENTS", "200000")), args.generate)
            os.environ["AZLDRIFT_MAX_COMPONENTS"] = str(limit)
        cold_target, noop_target = "target < 5 s", "target < 2 s"
        if args.generate:  # the targets are for 100,000 components
            cold_target = "target at 100,000: < 20 s, < 400 MB RSS on SQLite"
            noop_target = ""
        bench_load(config)
        for backend in args.backends.split(","):
            r = run_backend(backend, config, trace=not args.generate)
            print(f"{backend}: {r['records']:,} records")
            print(
                f"  cold import      {r['cold']:6.2f} s ({r['cold_cpu']:5.2f} CPU-s)   "
                f"peak {mb(r['cold_peak'])}   "
                f"RSS {r['maxrss_kb'] / 1024:5.0f} MB   "
                f"(read {r['cold_timings']['read']:.2f} s, plan {r['cold_timings']['plan']:.2f} s, "
                f"write {r['cold_timings']['write']:.2f} s)   {cold_target}"
            )
            print(
                f"  no-op re-import  {r['noop']:6.2f} s   peak {mb(r['noop_peak'])}   "
                f"(read {r['noop_timings']['read']:.2f} s, plan {r['noop_timings']['plan']:.2f} s)"
                f"   {noop_target}"
            )
    if not args.no_history and Path(args.bundle).is_file():
        bench_history(Path(args.bundle))


if __name__ == "__main__":
    main()

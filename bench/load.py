#!/usr/bin/env python
"""Proof under load: many people on a real server while a full sync runs, then the audit chain.

    .venv/bin/python bench/load.py [--users 50] [--duration 180] [--quick]
                                   [--database-url URL] [--components N] [--fixture DIR]
                                   [--work DIR] [--db-workers 2] [--web-workers 3]
                                   [--threads 4] [--port P] [--spawn-rate 1] [--keep-alive 75]
                                   [--sync-nice 10] [--sync-timeout 1800]

Needs ../shared.  Sets up its own database (PostgreSQL `azldrift_load` on 127.0.0.1 by
default, dropped and created afresh; or a --database-url, which it also resets), imports
the real Azure Linux config from its git history, creates the load's accounts with their
roles (viewers, reviewers, auditors: `people.create_user`, as `manage.py users` does),
builds make-distgit-fixture repositories for every component (or reuses --fixture),
collects the static files and starts:

- gunicorn serving azldrift.wsgi (WEB_WORKERS processes x THREADS threads, idle
  connections kept 75 s), DEBUG off;
- DB_WORKERS `manage.py db_worker` processes (TASKS_BACKEND=database), at a lower CPU
  priority (nice 10, as background work beside a web server on one machine should run),
  and a cold full sync of every component through them, started with the load;
- locust, headless (bench/load_users.py): USERS people for DURATION seconds (1 starts a
  second; a user's last task may end after that), about 70% viewers browsing and
  searching, 20% reviewers deciding with real CSRF POSTs, 10% auditors exporting CSV,
  plus one anonymous visitor opening the login page (the floor).

Then it waits for the sync to end, stops the server and the workers and prints the
requests, the errors, and p50/p95/p99 per page beside the login page floor from the same
run; the sync; the failed logins (django-axes: none, or the users could be
locked out); and runs `manage.py verify_audit`.  Exit status 0 only with no error, the
syncs succeeded and the audit chain intact.  --quick (a smoke test): 5 users for 15
seconds, the config's tip imported without its history, 40 components synced by one
db_worker.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import tomli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()
DATA = SHARED / "data" / "azurelinux-4.0"
CONFIG = DATA / "config"
HISTORY = DATA / "config-history.bundle"
TOOL = SHARED / "bin" / "make-distgit-fixture"
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/azldrift_load"
FLOOR = "login page (floor)"
# Shares of the users by role; at least one of each.
SHARES = {"viewer": 0.7, "reviewer": 0.2, "auditor": 0.1}
ROLES = {"viewer": ["viewer"], "reviewer": ["reviewer"], "auditor": ["viewer"]}


def config_names() -> list[str]:
    comps = CONFIG / "base" / "comps"
    names = set(tomli.loads((comps / "components.toml").read_text())["components"])
    for path in comps.glob("**/*.comp.toml"):
        names |= set(tomli.loads(path.read_text())["components"])
    return sorted(names)


def build_fixture(names: list[str], out: Path) -> str:
    """make-distgit-fixture repositories for `names` (reused when already built)."""
    if not (out / "manifest.json").exists():
        listing = out.parent / f"{out.name}-names.txt"
        listing.write_text("\n".join(names))
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(TOOL),
                "--out",
                str(out),
                "--names",
                f"@{listing}",
                "--force",
                "--skip-unusable",
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"fixture: {len(names)} components in {time.perf_counter() - started:.0f}s")
    return json.loads((out / "manifest.json").read_text())["url_template"]


def reset_database(url: str, work: Path) -> str:
    """Drop and create the bench's database (PostgreSQL) or remove its file (SQLite)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///")) if url != "sqlite" else work / "load.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def split_users(users: int) -> dict[str, int]:
    counts = {role: max(1, round(users * share)) for role, share in SHARES.items()}
    counts["viewer"] = max(1, users - counts["reviewer"] - counts["auditor"])
    return counts


def set_up(counts: dict[str, int], quick: bool) -> dict:
    """Schema, roles, the real config, the accounts, static files; the locust targets."""
    # Collect static files as production does.  requirements.txt has no brotli, but locust
    # brings it into a development venv, and WhiteNoise then brotli-compresses every file
    # too (collectstatic 78 s instead of 6 s here).  Unless something imported it already.
    sys.modules.setdefault("brotli", None)  # type: ignore[arg-type]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from deviations.domain import audit, people
    from deviations.domain.importer import import_config
    from deviations.models import Component, Deviation
    from deviations.vocabulary import Origin

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("setup_roles", stdout=io.StringIO())
    print(f"schema and roles: {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    call_command("collectstatic", "--no-input", verbosity=0)
    print(f"static files: {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    if HISTORY.exists() and not quick:
        import_config(HISTORY, ref="tomls/base/main")
    else:
        import_config(CONFIG)
    print(
        f"import of the real config: {time.perf_counter() - started:.0f}s, "
        f"{Component.objects.count()} components, {Deviation.objects.count()} deviations"
    )
    actor = audit.Actor.job("bench/load.py", Origin.COMMAND)
    accounts: dict[str, list[list[str]]] = {}
    started = time.perf_counter()
    for role, count in counts.items():
        accounts[role] = []
        for number in range(1, count + 1):
            username, password = f"load-{role}-{number:02}", secrets.token_urlsafe(16)
            people.create_user(actor, username, password=password, roles=ROLES[role])
            accounts[role].append([username, password])
    print(f"{sum(counts.values())} accounts: {time.perf_counter() - started:.0f}s")
    components = list(Component.objects.filter(removed=False).values_list("name", flat=True))
    customized = list(
        Component.objects.filter(removed=False, deviation_count__gt=0).values_list(
            "name", flat=True
        )
    )
    deviations = list(Deviation.objects.filter(removed=False).values_list("pk", flat=True))
    connections.close_all()
    return {
        "accounts": accounts,
        "components": components,
        "customized": customized,
        "deviations": deviations,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see its log")
        try:
            # Our own server's http://127.0.0.1 address, nothing a user gave.
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f}s")


def start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    # A process group of its own, so stopping it stops its children (render workers) too.
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, grace: float = 20) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Syncs:
    """The full sync the db_workers run while the load runs."""

    def __init__(self, template: str, components: list[str] | None) -> None:
        self.template = template
        self.components = components  # None: every component of the config
        self.runs: list[int] = []

    def start(self) -> None:
        from deviations.domain.sync import SyncRequest, start_sync

        request = SyncRequest(components=self.components, base_uri=self.template)
        self.runs.append(start_sync(request).pk)

    def running(self) -> bool:
        from deviations.domain.sync import runs
        from deviations.models import SyncRun
        from deviations.vocabulary.sync import ACTIVE

        if SyncRun.objects.get(pk=self.runs[-1]).status in ACTIVE:
            runs.abandon_dead_runs()  # a dead worker's run ends, and shows below
            return True
        return False

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.running():
                return True
            time.sleep(2)
        return False

    def report(self, load_started: dt.datetime) -> list[str]:
        """A line per run (its times from the start of the load), and the runs that failed."""
        from deviations.models import SyncRun
        from deviations.vocabulary.sync import SyncRunStatus

        problems = []
        for run in SyncRun.objects.filter(pk__in=self.runs).order_by("pk"):
            began = (run.created_at - load_started).total_seconds()
            ended = (
                f"{(run.finished_at - load_started).total_seconds():+.0f}s"
                if run.finished_at
                else "(not ended)"
            )
            print(
                f"  sync run #{run.pk}: {run.status}, {run.total} components ({run.changed} "
                f"changed, {run.skipped} unchanged, {run.errors} with problems), from "
                f"{began:+.0f}s to {ended}"
            )
            if run.status != SyncRunStatus.SUCCEEDED:
                problems.append(f"sync run #{run.pk} {run.status}: {run.message}".strip())
        return problems


def read_stats(prefix: Path) -> tuple[list[dict[str, str]], dict[str, str], list[dict]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    pages = [row for row in rows if row["Name"] != "Aggregated"]
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return pages, total, failures


def print_stats(pages: list[dict[str, str]], total: dict[str, str], seconds: float) -> None:
    floor = next((row for row in pages if row["Name"] == FLOOR), None)
    base = float(floor["50%"]) if floor and floor["50%"] not in ("", "N/A") else None
    print(
        f"\nrequests: {total['Request Count']} ({int(total['Request Count']) / seconds:.1f}/s)"
        f"   errors: {total['Failure Count']}"
    )
    print(
        f"{'page':<42}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'max ms':>8}{'p50/floor':>10}"
    )
    ordered = sorted(pages, key=lambda row: (row["Name"] != FLOOR, row["Name"]))
    for row in ordered:
        ratio = f"{float(row['50%']) / base:9.1f}x" if base else f"{'-':>10}"
        print(
            f"{row['Name'][:41]:<42}{row['Request Count']:>9}{row['Failure Count']:>7}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
            f"{float(row['Max Response Time']):>8.0f}{ratio}"
        )


def summarize(prefix: Path, seconds: float) -> list[str]:
    """Print locust's figures (its CSV files at `prefix`); the problems: failed requests,
    or none made."""
    pages, total, failures = read_stats(prefix)
    print_stats(pages, total, seconds)
    problems = [f"{total['Failure Count']} requests failed"] if int(total["Failure Count"]) else []
    for failure in failures[:10]:
        print(f"  failed {failure['Occurrences']}x {failure['Name']}: {failure['Error']}")
    if int(total["Request Count"]) == 0:
        problems.append("no request was made")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, help="concurrent users (default 50; quick: 5)")
    parser.add_argument("--duration", type=int, help="seconds of load (default 180; quick: 15)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: few, short, small")
    parser.add_argument("--database-url", help=f"reset and used (default {DEFAULT_DATABASE})")
    parser.add_argument("--components", type=int, help="fixture repositories for N (all)")
    parser.add_argument("--fixture", type=Path, help="reuse fixture repositories built earlier")
    parser.add_argument("--work", type=Path, help="work folder to keep (default: temporary)")
    parser.add_argument("--db-workers", type=int, help="db_worker processes (default 2)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--port", type=int, help="default: a free one")
    parser.add_argument("--sync-timeout", type=int, default=1800, help="seconds, after the load")
    parser.add_argument(
        "--sync-nice", type=int, default=10, help="CPU priority of the db_workers (nice)"
    )
    parser.add_argument("--spawn-rate", type=float, default=1, help="users started a second")
    parser.add_argument("--keep-alive", type=int, default=75, help="gunicorn's, in seconds")
    args = parser.parse_args()
    users = args.users or (5 if args.quick else 50)
    duration = args.duration or (15 if args.quick else 180)
    db_workers = args.db_workers or (1 if args.quick else 2)
    components = args.components or (40 if args.quick else None)
    if not (TOOL.exists() and CONFIG.exists()):
        print(f"needs {SHARED} (the read-only shared data folder); it is absent", file=sys.stderr)
        return 2
    for tool in ("gunicorn", "locust"):
        if not (BIN / tool).exists():
            print(f"needs {BIN / tool}: pip install -r requirements-dev.txt", file=sys.stderr)
            return 2

    work = args.work or Path(tempfile.mkdtemp(prefix="azldrift-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    database = reset_database(args.database_url or DEFAULT_DATABASE, work)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "TASKS_BACKEND": "database",
        "AZLDRIFT_CACHE_DIR": str(work / "cache"),
        "STATIC_ROOT": str(work / "static"),
        "DJANGO_SETTINGS_MODULE": "azldrift.settings",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    shutil.rmtree(work / "cache", ignore_errors=True)  # a cold sync: no mirrors yet

    names = config_names()
    if components:
        names = random.Random(0).sample(names, min(components, len(names)))
    template = build_fixture(sorted(names), args.fixture or work / "distgit")
    counts = split_users(users)
    targets = set_up(counts, args.quick)
    (work / "targets.json").write_text(json.dumps(targets))
    port = args.port or free_port()
    host = f"http://127.0.0.1:{port}"
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(
        f"load: {users} users ({counts['viewer']} viewers, {counts['reviewer']} reviewers, "
        f"{counts['auditor']} auditors) + 1 at the login page for {duration}s; gunicorn "
        f"{args.web_workers}x{args.threads} threads; {engine}; {db_workers} db_worker(s) "
        f"syncing {len(names)} components; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )

    processes: list[subprocess.Popen] = []
    try:
        server_env = {**env, "DATABASE_CONN_MAX_AGE": "60"}
        server = start(
            [
                *(str(BIN / "gunicorn"), "azldrift.wsgi", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(args.web_workers), "--threads", str(args.threads)),
                # Idle connections kept longer than any user thinks: gunicorn's default 2 s
                # closes them while a client is sending on them (a reset, not an answer).
                *("--keep-alive", str(args.keep_alive), "--timeout", "120"),
                *("--error-logfile", "-"),
            ],
            work / "gunicorn.log",
            server_env,
        )
        processes.append(server)
        wait_until_up(f"{host}/health/", server)
        for number in range(db_workers):
            processes.append(
                start(
                    [
                        *("nice", "-n", str(args.sync_nice)),
                        *(sys.executable, "manage.py", "db_worker", "--no-reload"),
                        *("--interval", "0.5", "--worker-id", f"load-{number}"),
                    ],
                    work / f"db_worker-{number}.log",
                    env,
                )
            )
        syncs = Syncs(template, sorted(names) if components else None)
        syncs.start()
        load_started, load_started_at = time.monotonic(), dt.datetime.now(dt.UTC)
        locust = start(
            [
                *(str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_users.py"), "--headless"),
                *("--users", str(users + 1), "--spawn-rate", str(args.spawn_rate)),
                *("--run-time", f"{duration}s", "--stop-timeout", "180"),
                *("--host", host, "--csv", str(work / "locust"), "--only-summary"),
                *("--loglevel", "WARNING"),
            ],
            work / "locust.log",
            {**env, "AZLDRIFT_LOAD_TARGETS": str(work / "targets.json")},
        )
        processes.append(locust)
        while locust.poll() is None:
            time.sleep(2)
            syncs.running()  # also ends the run of a worker that died
        load_ended = time.monotonic()
        synced = syncs.wait(args.sync_timeout)
        for process in reversed(processes):
            stop(process)
    finally:
        for process in reversed(processes):
            stop(process, grace=5)

    problems = summarize(work / "locust", load_ended - load_started)
    print(f"\nsyncs (seconds from the start of the {load_ended - load_started:.0f}s load):")
    problems += syncs.report(load_started_at)
    if not synced:
        problems.append(f"the last sync had not ended {args.sync_timeout}s after the load")

    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.count()
    print(f"failed logins recorded by django-axes: {attempts}")
    if attempts:
        problems.append(f"{attempts} failed logins (the load's users could be locked out)")
    check = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    print((check.stdout + check.stderr).strip())
    if check.returncode:
        problems.append("the audit chain does not verify")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"FAILED: {problem}")
    print("load: OK" if not problems else "load: FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

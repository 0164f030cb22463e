#!/usr/bin/env python
"""CSV export benchmark: 100,000 deviations, on SQLite and PostgreSQL.

    .venv/bin/python bench/export.py [--deviations 100000] [--db sqlite,postgres] [--keep]

For each database it makes a scratch database (SQLite: a file under
/tmp; PostgreSQL: `azldrift_bench_export` on BENCH_DATABASE_SERVER, default
postgres://postgres@127.0.0.1:5432, dropped at the end unless --keep),
migrates it and generates the rows directly with bulk_create: components
(10 deviations each) with sync state, deviations with one version each,
config commits, some reviews and justification notes.

Then it exports every deviation through `deviations.reads.exports` -- the code
path of the download views and `manage.py export`, audit event included --
and prints rows/s and the peak memory growth while exporting (tracemalloc,
in a second pass so it does not slow the timed one), beside a baseline
measured in the same run: the same rows read as a fully loaded list of
model instances (`list(queryset)` with the prefetches the columns need) and
written with the csv module into memory.

Targets (2-core machine): at least 50,000 rows/s and under 50 MB growth.
Also printed: rows per CPU second of this process (on a shared machine the
wall clock includes waiting for a core; on PostgreSQL the server's own CPU is
not in it), and the floor -- the same SQL with rows fetched and dropped.
The export and the floor are timed REPEAT times and the fastest run is shown
(the slower ones measure the machine's other load); the baseline runs once.
Each database runs in its own process (Django's settings are per process).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_NAME = "azldrift_bench_export"
REPEAT = 5
SQLITE_PATH = Path("/tmp/azldrift-bench-export.sqlite3")
PER_COMPONENT = 10
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# --- scratch databases -----------------------------------------------------------------


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def _create(db: str) -> str:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    _pg(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
    _pg(f'CREATE DATABASE "{PG_NAME}"')
    return f"{SERVER}/{PG_NAME}"


def _drop(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        _pg(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


# --- data (in the child process) ---------------------------------------------------------


def _generate(total: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from deviations.core.types import OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES
    from deviations.models import (
        Component,
        ComponentSync,
        ConfigCommit,
        Deviation,
        DeviationVersion,
        ImportRun,
        JustificationNote,
        NoteVersion,
        Review,
        SyncRun,
    )

    batch = 2000
    with transaction.atomic():
        user = get_user_model().objects.create_user("bench-reviewer")
        commits = ConfigCommit.objects.bulk_create(
            ConfigCommit(
                sha=f"{i:040x}",
                author_name=f"Author {i}",
                author_email=f"author{i}@example.com",
                authored_at=T0 + dt.timedelta(hours=i),
                committed_at=T0 + dt.timedelta(hours=i),
                subject=f"change {i}",
            )
            for i in range(50)
        )
        run = ImportRun.objects.create(started_at=T0, source="bench", status="succeeded")
        sync = SyncRun.objects.create(status="succeeded", created_at=T0)
        n_components = -(-total // PER_COMPONENT)
        components = Component.objects.bulk_create(
            (
                Component(
                    name=f"pkg-{i:06d}",
                    distro="fedora",
                    distro_version="43",
                    dist_git_url=f"https://src.fedoraproject.org/rpms/pkg-{i:06d}.git",
                    dist_git_branch="f43",
                    snapshot="2026-02-24T00:00:00-08:00",
                    config_file=f"base/comps/pkg-{i:06d}/pkg-{i:06d}.comp.toml",
                    config_line=1,
                    fingerprint=f"{i:064x}",
                    deviation_count=PER_COMPONENT,
                    created_at=T0,
                    updated_at=T0,
                )
                for i in range(n_components)
            ),
            batch_size=batch,
        )
        ComponentSync.objects.bulk_create(
            (
                ComponentSync(
                    component=c,
                    run=sync,
                    pinned_commit=f"{i:040x}",
                    tip_commit=f"{i + 1:040x}",
                    commits_behind=i % 7,
                    version_at_pin="1.0",
                    release_at_pin="1",
                    rendered_diff="--- a\n+++ b\n" * 50,  # never read by the export
                    input_fingerprint="f" * 64,
                    synced_at=T0,
                )
                for i, c in enumerate(components)
            ),
            batch_size=batch,
        )
        deviations = []
        for i in range(total):
            comp = components[i // PER_COMPONENT]
            commit = commits[i % len(commits)]
            deviations.append(
                Deviation(
                    component=comp,
                    key=f"overlay-{i % PER_COMPONENT}",
                    kind="overlay",
                    position=i % PER_COMPONENT,
                    overlay_type=OVERLAY_TYPES[i % len(OVERLAY_TYPES)],
                    category=OVERLAY_CATEGORIES[i % len(OVERLAY_CATEGORIES)],
                    upstream_status=UPSTREAM_STATUSES[i % len(UPSTREAM_STATUSES)],
                    description=f"Adjust the spec of {comp.name} for Azure Linux, item {i}",
                    fingerprint=f"{i:064x}",
                    config_file=comp.config_file,
                    line_start=3 + 6 * (i % PER_COMPONENT),
                    line_end=8 + 6 * (i % PER_COMPONENT),
                    introduced_commit=commit,
                    changed_commit=commit,
                    review_state="approved" if i % 5 == 0 else "needs-review",
                    verdict_at_pin="applied",
                    verdict_at_tip="failed" if i % 11 == 0 else "applied",
                    created_at=T0,
                    updated_at=T0,
                )
            )
        deviations = Deviation.objects.bulk_create(deviations, batch_size=batch)
        versions = DeviationVersion.objects.bulk_create(
            (
                DeviationVersion(
                    deviation=d,
                    number=1,
                    content={
                        "type": d.overlay_type,
                        "regex": f"^Release: {d.pk}.*$",  # unique, as overlays are
                        "replacement": "Release: 1%{?dist}",
                    },
                    description=d.description,
                    metadata={
                        "category": d.category,
                        "upstream-status": d.upstream_status,
                        # References on one in ten (backports, mostly), as in the real tree.
                        **(
                            {
                                "commits": [
                                    {"url": f"https://src.fedoraproject.org/rpms/x/c/{d.pk:x}"}
                                ]
                            }
                            if d.pk % 10 == 0
                            else {}
                        ),
                    },
                    comment="# Keep the release in step with the Azure Linux tooling.",
                    config_file=d.config_file,
                    line_start=d.line_start,
                    line_end=d.line_end,
                    fingerprint=d.fingerprint,
                    commit_id=d.changed_commit_id,
                    import_run=run,
                    created_at=T0,
                )
                for d in deviations
            ),
            batch_size=batch,
        )
        for d, v in zip(deviations, versions, strict=True):
            d.current_version = v
        Deviation.objects.bulk_update(deviations, ["current_version"], batch_size=batch)
        approved = [(d, v) for d, v in zip(deviations, versions, strict=True) if d.pk % 5 == 0]
        Review.objects.bulk_create(
            (
                Review(
                    deviation=d,
                    version=v,
                    decision="approved",
                    reviewer=user,
                    fingerprint=d.fingerprint,
                    created_at=T0,
                )
                for d, v in approved
            ),
            batch_size=batch,
        )
        noted = deviations[::20]
        notes = JustificationNote.objects.bulk_create(
            (JustificationNote(deviation=d, author=user, created_at=T0) for d in noted),
            batch_size=batch,
        )
        NoteVersion.objects.bulk_create(
            (
                NoteVersion(
                    note=n, number=1, text="Needed for the Azure Linux build.", author=user,
                    created_at=T0,
                )
                for n in notes
            ),
            batch_size=batch,
        )  # fmt: skip


# --- the two ways of exporting -------------------------------------------------------------


def _streamed() -> int:
    """The real export: deviations.reads.exports.stream (chunked, flat memory), audited."""
    from deviations.domain import audit
    from deviations.reads import exports

    selection = exports.select("deviations", {"removed": "all"})
    size = 0
    for piece in exports.stream(audit.Actor.job("bench"), selection, "bench.csv"):
        size += len(piece)
    return size


def _fetch_only() -> int:
    """The floor: the streamed export's own SQL and cursor, rows fetched and dropped."""
    from deviations.reads import exports
    from deviations.reads.exports import streaming

    selection = exports.select("deviations", {"removed": "all"})
    ds = selection.dataset
    values = ("pk", ds.layout.text, *ds.values)
    with streaming._snapshot(selection.queryset.db) as reader:
        chunks = streaming._chunks(reader, selection.queryset, values, exports.CHUNK)
        return sum(len(chunk) for chunk in chunks)


def _baseline() -> int:
    """The same rows, fully loaded as model instances, then written with the csv module."""
    from django.db.models import Prefetch

    from deviations.models import JustificationNote, NoteVersion, Review
    from deviations.reads import exports, queries
    from deviations.reads.filters import DeviationFilter

    rows = list(
        DeviationFilter({"removed": "all"}, queryset=queries.deviation_rows())
        .qs.select_related("current_version", "component__sync")
        .defer(None)  # obsolete_reason too (the list defers it), or one query per row
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("reviewer").order_by("-created_at", "-pk"),
            ),
            Prefetch(
                "notes",
                queryset=JustificationNote.objects.prefetch_related(
                    Prefetch("versions", queryset=NoteVersion.objects.order_by("-number"))
                ),
            ),
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(exports.DEVIATION_COLUMNS)
    for d in rows:
        version, sync = d.current_version, getattr(d.component, "sync", None)
        review = next(iter(d.reviews.all()), None)
        notes = "\n\n".join(n.versions.all()[0].text for n in d.notes.all())
        intro, changed = d.introduced_commit, d.changed_commit
        writer.writerow(
            [
                d.component.name, d.pk, d.key, d.kind, d.overlay_type,
                json.dumps({k: v for k, v in version.content.items() if k != "type"}),
                d.category, d.upstream_status, d.description, notes, version.comment,
                version.reason, exports._refs(version.metadata, "commits"),
                exports._refs(version.metadata, "bugs"), d.config_file,
                f"{d.line_start}-{d.line_end}",
                intro.sha if intro else "", intro.author_name if intro else "",
                exports.iso(intro.authored_at if intro else None),
                changed.sha if changed else "", changed.author_name if changed else "",
                exports.iso(changed.authored_at if changed else None),
                d.review_state, review.reviewer.username if review else "",
                exports.iso(review.created_at if review else None),
                review.decision if review else "", review.comment if review else "",
                d.fingerprint, version.number, sync.pinned_commit if sync else "",
                sync.tip_commit if sync else "", sync.commits_behind if sync else "",
                d.verdict_at_pin, d.verdict_at_tip, d.obsolete, d.obsolete_reason, d.removed,
            ]
        )  # fmt: skip
    return len(buffer.getvalue().encode())


def _measure(fn, memory: bool) -> tuple[float, int, float, float]:
    gc.collect()
    if memory:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    started, cpu = time.perf_counter(), time.process_time()
    size = fn()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = 0.0
    if memory:
        peak_mb = (tracemalloc.get_traced_memory()[1] - before) / 1e6
        tracemalloc.stop()
    return seconds, size, peak_mb, cpu


def child(db: str, total: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from deviations.models import Deviation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _generate(total)
    generate_s = time.perf_counter() - started
    rows = Deviation.objects.count()
    # As a database in use would be: statistics gathered and, on PostgreSQL, the fresh
    # rows vacuumed -- else autovacuum does it during the timed runs.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connection.close()
    result = {"db": db, "rows": rows, "generate_s": round(generate_s, 1)}
    for name, fn in (("fetch", _fetch_only), ("streamed", _streamed), ("baseline", _baseline)):
        _measure(fn, memory=False)  # warm the database's caches once
        # The fastest of a few runs: on a shared machine the slower ones measure the
        # neighbours (the 30-second baseline runs once).
        runs = [_measure(fn, memory=False) for _ in range(1 if name == "baseline" else REPEAT)]
        seconds, size, _, cpu = min(runs)
        _, _, peak, _ = _measure(fn, memory=True)
        result[name] = {
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "rows_per_cpu_s": round(rows / max(cpu, 1e-6)),
            "mb": round(size / 1e6, 1) if name != "fetch" else 0,
            "peak_growth_mb": round(peak, 1),
        }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deviations", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.deviations)
        return
    print(f"CSV export of {args.deviations:,} deviations (targets: >= 50,000 rows/s, < 50 MB)")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    print(
        f"{'database':<10} {'way':<30} {'rows/s':>9} {'rows/CPU-s':>10} {'seconds':>8} "
        f"{'CSV MB':>7} {'peak MB':>8}"
    )
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        url = _create(db)
        try:
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "azldrift.settings"}
            out = subprocess.run(
                [sys.executable, __file__, "--child", db, "--deviations", str(args.deviations)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                print(out.stdout, out.stderr, file=sys.stderr)
                raise SystemExit(f"{db}: the benchmark failed")
            result = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if not args.keep:
                _drop(db)
        for name, label in (
            ("streamed", "streamed (deviations.reads.exports)"),
            ("baseline", "baseline (loaded list + csv)"),
            ("fetch", "floor: its SQL, fetch only"),
        ):
            r = result[name]
            print(
                f"{db:<10} {label:<30} {r['rows_per_s']:>9,} {r['rows_per_cpu_s']:>10,} "
                f"{r['seconds']:>8} {r['mb']:>7} {r['peak_growth_mb']:>8}"
            )
        s, b = result["streamed"], result["baseline"]
        print(
            f"{db:<10} streamed vs baseline: {s['rows_per_s'] / b['rows_per_s']:.2f}x speed, "
            f"{b['peak_growth_mb'] / max(s['peak_growth_mb'], 0.1):.0f}x less memory "
            f"(data generated in {result['generate_s']} s)"
        )


if __name__ == "__main__":
    main()

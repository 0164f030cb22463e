#!/usr/bin/env python
"""Audit trail benchmark on PostgreSQL: append throughput and `verify_audit` time.

    .venv/bin/python bench/audit.py [--events 1000000] [--appends 2000] [--writers 4]

Creates a scratch database (azldrift_bench_audit) on the server of
BENCH_DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432), migrates
it, and drops it at the end (--keep leaves it).  Prints, each beside a
baseline measured in the same run:

- append throughput, one event per transaction (a review), with the chain,
  for 1 writer and N concurrent writer processes; baseline: plain INSERTs of
  the same rows into a copy of the table (same indexes, no chain, no lock);
- bulk append throughput (events recorded in batches, as an import does);
- verify time for --events events (target: 1,000,000 in under 30 s);
  baselines: streaming the same rows without checking them, and a plain
  SHA-256 loop over the same number of canonical serializations.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DBNAME = "azldrift_bench_audit"
PAYLOAD = {
    "review_state": "approved",
    "comment": "Looks right: the regex only touches the Release tag.",
    "fingerprint": "9f" * 32,
    "effect_hash": "4e" * 32,
    "version": 3,
}


def _server_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def _django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DBNAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    import django

    django.setup()


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE deviations_auditevent, deviations_auditchainhead, bench_plain")
        cursor.execute("ALTER SEQUENCE bench_plain_seq RESTART")


# --- writers (run in their own processes) ---------------------------------------------


def _chain_writer(worker: int, count: int) -> None:
    from django.db import transaction

    from deviations.domain import audit
    from deviations.models import Origin

    actor = audit.Actor.job(f"bench writer {worker}", Origin.COMMAND)
    for i in range(count):
        with transaction.atomic():
            audit.record(
                actor,
                "review.approved",
                object_type="deviation",
                object_id=str(i),
                object_repr=f"component{worker}: overlay-{i}",
                component_name=f"component{worker}",
                before={"review_state": "needs-review"},
                after=PAYLOAD,
            )


def _plain_writer(worker: int, count: int) -> None:
    import json

    from django.db import connection, transaction

    after = json.dumps(PAYLOAD)
    for i in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain (seq, created_at, actor_label, origin, action, "
                "object_type, object_id, object_repr, component_name, before, after, "
                "prev_hash, hash) VALUES (nextval('bench_plain_seq'), now(), %s, 'command', "
                "'review.approved', 'deviation', %s, %s, %s, %s, %s, %s, "
                "md5(random()::text) || md5(random()::text))",
                [
                    f"bench writer {worker}",
                    str(i),
                    f"component{worker}: overlay-{i}",
                    f"component{worker}",
                    '{"review_state": "needs-review"}',
                    after,
                    "0" * 64,
                ],
            )


WRITERS = {"chain": _chain_writer, "plain": _plain_writer}


def _process(kind: str, worker: int, count: int, ready, times) -> None:
    _django()
    from django.db import connection

    connection.ensure_connection()
    ready.wait()  # all processes set up and connected: start together
    started = time.perf_counter()
    WRITERS[kind](worker, count)
    times.put((started, time.perf_counter()))


def _timed_writers(kind: str, writers: int, per_writer: int) -> float:
    """Wall time from the first writer's start to the last one's end (set-up excluded)."""
    if writers == 1:
        started = time.perf_counter()
        WRITERS[kind](0, per_writer)
        return time.perf_counter() - started
    ctx = mp.get_context("spawn")
    ready, times = ctx.Barrier(writers), ctx.Queue()
    procs = [
        ctx.Process(target=_process, args=(kind, w, per_writer, ready, times))
        for w in range(writers)
    ]
    for proc in procs:
        proc.start()
    spans = [times.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    return max(end for _, end in spans) - min(start for start, _ in spans)


# --- phases ------------------------------------------------------------------------------


def bench_appends(total: int, writers: int) -> None:
    from deviations.domain import audit

    print(f"\nappend, one event per transaction ({total} events per configuration)")
    print(f"  {'configuration':<34}{'events/s':>10}{'baseline':>11}{'ratio':>8}")
    for n in (1, writers):
        per = total // n
        _truncate()
        plain = _timed_writers("plain", n, per)
        _truncate()
        chain = _timed_writers("chain", n, per)
        result = audit.verify()
        assert result.ok and result.checked == per * n, result.problem
        label = f"chain, {n} writer{'s' if n > 1 else ''}"
        print(
            f"  {label:<34}{per * n / chain:>10,.0f}{per * n / plain:>11,.0f}"
            f"{chain / plain:>7.2f}x   (baseline: plain INSERT, no chain)"
        )


def bench_verify(events: int, batch: int = 5000) -> None:
    from django.db import transaction

    from deviations.domain import audit
    from deviations.models import AuditEvent, Origin

    _truncate()
    actor = audit.Actor.job("bench bulk", Origin.COMMAND)
    started = time.perf_counter()
    for start in range(0, events, batch):
        with transaction.atomic():
            audit.record_many(
                actor,
                [
                    audit.Draft(
                        action="deviation.changed",
                        object_type="deviation",
                        object_id=str(i),
                        object_repr=f"component{i % 7583}: overlay-{i % 11}",
                        component_name=f"component{i % 7583}",
                        before={"fingerprint": "ab" * 32, "line_start": i % 300},
                        after=PAYLOAD,
                    )
                    for i in range(start, min(events, start + batch))
                ],
            )
    append_s = time.perf_counter() - started
    print(f"\nbulk append ({batch} events per transaction, as an import does)")
    print(f"  {events:,} events in {append_s:.1f} s = {events / append_s:,.0f} events/s")

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE deviations_auditevent")

    started = time.perf_counter()
    result = audit.verify()
    verify_s = time.perf_counter() - started
    assert result.ok and result.checked == events, result.problem

    # Baseline: the same ordered query streamed, rows neither decoded nor checked.
    started = time.perf_counter()
    read = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute("SELECT * FROM deviations_auditevent ORDER BY seq")
        while rows := cursor.fetchmany(5000):
            read += len(rows)
    read_s = time.perf_counter() - started

    sample = next(iter(audit._rows(None, 10)))
    canonical = audit._canonical_values(sample[:13])
    started = time.perf_counter()
    sha = hashlib.sha256
    for _ in range(events):
        sha(canonical).hexdigest()
    hash_s = time.perf_counter() - started

    print(f"\nverify {events:,} events (target: 1,000,000 in < 30 s)")
    print(f"  verify_audit (stream + canonical JSON + SHA-256 chain)  {verify_s:7.1f} s")
    print(f"  baseline: stream the same rows, no decoding or checks   {read_s:7.1f} s ({read:,})")
    print(f"  baseline: plain SHA-256 loop over {len(canonical)}-byte records     {hash_s:7.1f} s")
    print(
        f"  verify / read = {verify_s / read_s:.2f}x, verify / hashing = {verify_s / hash_s:.1f}x"
    )
    print(f"  {AuditEvent.objects.count():,} rows; head {result.head_hash[:16]}…")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to verify")
    parser.add_argument("--appends", type=int, default=2000, help="events per append test")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writer processes")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    _server_sql(f"DROP DATABASE IF EXISTS {DBNAME}")
    _server_sql(f"CREATE DATABASE {DBNAME}")
    try:
        _django()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        # Emptied between phases: TRUNCATE of the audit tables is for the reset role only.
        from tests.support import allow_audit_reset

        allow_audit_reset(connection)
        with connection.cursor() as cursor:
            # The baseline table: same columns and indexes, no trigger, no chain.
            cursor.execute("CREATE TABLE bench_plain (LIKE deviations_auditevent INCLUDING ALL)")
            cursor.execute("CREATE SEQUENCE bench_plain_seq")
        print(f"azldrift audit benchmark on PostgreSQL ({DBNAME}); {os.cpu_count()} CPUs")
        bench_appends(args.appends, args.writers)
        bench_verify(args.events)
        connection.close()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _server_sql(f"DROP DATABASE IF EXISTS {DBNAME}")


if __name__ == "__main__":
    main()

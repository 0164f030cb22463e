"""Benchmark: the record through time on the real Azure Linux config history.

Imports ../shared's config-history.bundle (456 commits, replayed) into a scratch
database (SQLite in a temporary folder unless --database-url), then times, each the
fastest of --runs:

- the as-of export of the full deviations CSV at several commits across the history,
  beside today's export of the same rows (the tip);
- the changes page between the first and the last commit (through Django's whole stack),
  and the changes themselves;
- the trends page, cold (its cache cleared) and warm;

with the targets (2 s, 300 ms, 150 ms).  Usage: .venv/bin/python bench/history.py
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BUNDLE = SHARED / "data" / "azurelinux-4.0" / "config-history.bundle"
sys.path.insert(0, str(ROOT))


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not BUNDLE.exists():
        print(f"needs {BUNDLE} (the read-only shared data folder); it is absent", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="azldrift-bench-history-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'history.sqlite3'}"
    os.environ["AZLDRIFT_CACHE_DIR"] = str(work / "cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    os.environ["STATIC_PLAIN"] = "1"
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from deviations.domain import audit
    from deviations.domain.importer import import_config
    from deviations.domain.permissions import VIEWER
    from deviations.models import ConfigCommit
    from deviations.reads import exports, history
    from deviations.vocabulary import Origin
    from tests.factories import make_user

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    import_config(str(BUNDLE))
    print(f"import of the bundle with its replayed history: {time.perf_counter() - started:.1f} s")
    line = list(
        ConfigCommit.objects.filter(position__isnull=False)
        .order_by("position")
        .values_list("sha", flat=True)
    )
    actor = audit.Actor.job("bench", Origin.COMMAND)

    def export(params: dict[str, str]) -> int:
        out = io.BytesIO()
        return exports.write(actor, "deviations", params, out)

    rows_today = export({})
    today = best(args.runs, lambda: export({}))
    print(f"\n{'as-of export, deviations CSV':<44} {'rows':>6} {'best s':>8}   target 2 s")
    print(f"{"baseline: today's export (the tip)":<44} {rows_today:>6} {today:>8.3f}")
    for position in (0, len(line) // 4, len(line) // 2, 3 * len(line) // 4, len(line) - 1):
        sha = line[position]
        rows = export({"as_of": sha})
        seconds = best(args.runs, lambda sha=sha: export({"as_of": sha}))
        print(f"{f'at commit {position} ({sha[:10]})':<44} {rows:>6} {seconds:>8.3f}")

    client = Client()
    client.force_login(make_user("bench-viewer", roles=[VIEWER]))
    url = f"/changes/?from={line[0]}&to={line[-1]}"
    assert client.get(url).status_code == 200
    page = best(args.runs, lambda: client.get(url))
    first, last = history.resolve(line[0]), history.resolve(line[-1])
    found = history.changes(first, last)
    compute = best(args.runs, lambda: history.changes(first, last))
    print(f"\nchanges first -> last commit: {found.counts}")
    print(f"  page {page * 1000:.0f} ms (target 300 ms); the changes alone {compute * 1000:.0f} ms")

    def cold() -> object:
        cache.clear()
        return client.get("/trends/")

    trends_cold = best(args.runs, cold)
    client.get("/trends/")
    trends_warm = best(args.runs, lambda: client.get("/trends/"))
    health = best(args.runs, lambda: client.get("/health/"))
    print(
        f"\ntrends page: warm {trends_warm * 1000:.0f} ms, cold {trends_cold * 1000:.0f} ms "
        f"(target 150 ms); baseline /health/ {health * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

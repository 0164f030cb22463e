#!/usr/bin/env python
"""Page speed at full size: median and p95 server time and query count per page type.

    .venv/bin/python bench/pages.py [--work DIR] [--fixture DIR] [--database-url URL]
                                    [--samples N]

Needs ../shared.  Builds (or reuses, with --work) a scratch database holding the real
Azure Linux config imported from its git history (7,583 components, provenance) and a
full sync against make-distgit-fixture repositories of every component (built, or
reused with --fixture), using the importer's and the sync's own code.  Then requests
every page type through Django's full stack (middleware, session, view, templates) as
a logged-in user, N times each over varied URLs, and prints per page type the median
and p95 time and the number of queries, beside two baselines from the same run: the
login page (a small page through the whole stack: session, CSRF, a template) and the
/health/ endpoint (the least a request through the same stack costs).

Targets on 2 cores (issue 14): every list page and the overview (warm and cold) at most
40 ms median, the kernel component page at most 80 ms, other detail pages 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import tomli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()
DATA = SHARED / "data" / "azurelinux-4.0"
CONFIG = DATA / "config"
HISTORY = DATA / "config-history.bundle"
TOOL = SHARED / "bin" / "make-distgit-fixture"

# page type -> target median in ms (at most)
TARGETS = {
    "overview": 40,
    "overview (cold)": 40,
    "components list": 40,
    "deviations list": 40,
    "review queue": 40,
    "audit log": 40,
    "sync runs": 40,
    "config commits": 40,
    "import runs": 40,
    "kernel": 80,
    "component": 100,
    "component (largest)": 100,
    "deviation": 100,
    "config commit": 100,
    "sync run": 100,
}


def config_names() -> list[str]:
    comps = CONFIG / "base" / "comps"
    names = set(tomli.loads((comps / "components.toml").read_text())["components"])
    for path in comps.glob("**/*.comp.toml"):
        names |= set(tomli.loads(path.read_text())["components"])
    return sorted(names)


def ensure_fixture(fixture: Path) -> str:
    if not (fixture / "manifest.json").exists():
        names = fixture.parent / f"{fixture.name}-names.txt"
        names.write_text("\n".join(config_names()))
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(TOOL),
                "--out",
                str(fixture),
                "--names",
                f"@{names}",
                "--skip-unusable",
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"fixture repositories built in {time.perf_counter() - started:.0f}s")
    return json.loads((fixture / "manifest.json").read_text())["url_template"]


def ensure_data(template: str) -> None:
    """Import the real config (with history) and sync it fully, unless already done."""
    from django.core.management import call_command

    from deviations.domain.importer import import_config
    from deviations.domain.sync import SyncRequest, start_sync
    from deviations.models import Component, SyncRun

    call_command("migrate", verbosity=0)
    if not Component.objects.exists():
        started = time.perf_counter()
        import_config(HISTORY, ref="tomls/base/main")
        print(f"import of the real config (history bundle): {time.perf_counter() - started:.0f}s")
    if not SyncRun.objects.filter(status="succeeded").exists():
        started = time.perf_counter()
        run = start_sync(SyncRequest(base_uri=template))
        print(
            f"full sync: {time.perf_counter() - started:.0f}s, {run.total} components, "
            f"{run.errors} with errors ({run.status})"
        )


def sample_urls(samples: int) -> dict[str, list[str]]:
    """Varied URLs per page type (filters, sorts, deep pages, different records)."""
    from django.db.models.functions import Length
    from django.urls import reverse

    from deviations.models import (
        AuditEvent,
        Component,
        ComponentSync,
        ConfigCommit,
        Deviation,
        SyncRun,
    )

    rng = random.Random(0)

    def pick(values: list, k: int) -> list:
        return [rng.choice(values) for _ in range(k)] if values else []

    components = reverse("components")
    deviations = reverse("deviations")
    audit = reverse("audit")
    list_variants = {
        "components list": [
            components,
            f"{components}?q=lib",
            f"{components}?has_deviations=yes",
            f"{components}?category=azl-pruning",
            f"{components}?behind=any&sort=-behind",
            f"{components}?rebase_risk=fail",
            f"{components}?kind=overlay&review_state=needs-review",
            f"{components}?page=100",
            f"{components}?sort=-deviations&page=3",
            f"{components}?sync_error=yes",
            f"{components}?obsolete=yes",
            f"{components}?severity=broken-now",
            f"{components}?severity=sync-problem",
            f"{components}?severity=ok&page=20",
            f"{components}?documented=no",
        ],
        "deviations list": [
            deviations,
            f"{deviations}?kind=overlay",
            f"{deviations}?q=test",
            f"{deviations}?category=upstream-backport",
            f"{deviations}?verdict_at_tip=failed",
            f"{deviations}?sort=-updated&page=5",
            f"{deviations}?review_state=needs-review",
            f"{deviations}?severity=broken-now",
            f"{deviations}?severity=breaks-on-rebase",
            f"{deviations}?documented=no",
            f"{deviations}?sort=severity&page=3",
        ],
        "review queue": [
            reverse("review_queue"),
            f"{reverse('review_queue')}?kind=overlay",
            f"{reverse('review_queue')}?page=4",
            f"{reverse('review_queue')}?severity=broken-now",
        ],
        "audit log": [
            audit,
            f"{audit}?page=150",
            f"{audit}?component=systemd",
            f"{audit}?actor=import+%231",
            f"{audit}?action=deviation.created",
            f"{audit}?since=2020-01-01",
        ],
    }
    urls = {"overview": [reverse("overview")] * samples}
    urls["overview (cold)"] = urls["overview"]
    for kind, variants in list_variants.items():
        urls[kind] = [variants[i % len(variants)] for i in range(samples)]
    urls["sync runs"] = [reverse("sync_runs")] * samples
    urls["config commits"] = [
        f"{reverse('config_commits')}{'?page=2' if i % 2 else ''}" for i in range(samples)
    ]
    urls["import runs"] = [reverse("import_runs")] * samples
    urls["kernel"] = [reverse("component", args=["kernel"])] * samples
    customized = list(
        Component.objects.filter(deviation_count__gt=0).values_list("name", flat=True)
    )
    bare = list(Component.objects.filter(deviation_count=0).values_list("name", flat=True))
    half = samples // 2
    urls["component"] = [
        reverse("component", args=[n]) for n in pick(customized, samples - half) + pick(bare, half)
    ]
    # The heaviest: most deviations (their cards, diffs, verdicts) and largest rendered diffs.
    heavy = list(
        Component.objects.order_by("-deviation_count").values_list("name", flat=True)[:5]
    ) + list(
        ComponentSync.objects.annotate(size=Length("rendered_diff"))
        .order_by("-size")
        .values_list("component__name", flat=True)[:5]
    )
    urls["component (largest)"] = [
        reverse("component", args=[heavy[i % len(heavy)]]) for i in range(samples)
    ]
    urls["deviation"] = [
        reverse("deviation", args=[pk])
        for pk in pick(list(Deviation.objects.values_list("pk", flat=True)), samples)
    ]
    urls["config commit"] = [
        reverse("config_commit", args=[sha])
        for sha in pick(list(ConfigCommit.objects.values_list("sha", flat=True)), samples)
    ]
    run = SyncRun.objects.order_by("-pk").first()
    urls["sync run"] = [reverse("sync_run", args=[run.pk])] * samples
    assert AuditEvent.objects.exists()
    return urls


def measure(
    get: Callable[[str], object], urls: list[str], before: Callable[[], None] = lambda: None
) -> tuple[list[float], list[float], list[int]]:
    """Wall time and CPU time (ms) and query count of each request (`before` runs untimed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu, queries = [], [], []
    get(urls[0])  # warm caches (templates, lexers) once per page type
    for url in urls:
        before()
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = get(url)
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        times.append(elapsed * 1000)
        cpu.append(elapsed_cpu * 1000)
        queries.append(len(ctx.captured_queries))
    return times, cpu, queries


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="folder kept between runs (database, cache)")
    parser.add_argument("--fixture", type=Path, help="make-distgit-fixture repositories to reuse")
    parser.add_argument("--database-url", help="default: SQLite in the work folder")
    parser.add_argument("--samples", type=int, default=60, help="requests per page type")
    args = parser.parse_args()
    if not (TOOL.exists() and CONFIG.exists() and HISTORY.exists()):
        print(f"needs {SHARED} (the read-only shared data folder); it is absent", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="azldrift-bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'pages.sqlite3'}"
    os.environ["AZLDRIFT_CACHE_DIR"] = str(work / "cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    os.environ["STATIC_PLAIN"] = "1"  # no collectstatic manifest needed to render
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    template = ensure_fixture(args.fixture or work / "distgit")
    ensure_data(template)

    from django.contrib.auth.models import Group

    from deviations.domain.permissions import VIEWER

    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    user.groups.add(Group.objects.get_or_create(name=VIEWER)[0])  # reading needs a role
    client = Client()
    client.force_login(user)
    urls = sample_urls(args.samples)
    engine = django.db.connection.vendor
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{engine}, {os.cpu_count()} CPUs (load {load}), {args.samples} requests per page type")
    print("wall: server time of a request; cpu: this process's CPU time for it (steadier when")
    print("the machine is shared); SQLite runs in-process, so its time is in both.\n")
    header = (
        f"{'page':<20}{'median':>8}{'p95':>8}{'cpu med':>9}{'queries':>9}{'target':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    anonymous = Client()
    for name, get, url in (
        ("baseline: login", anonymous.get, reverse("login")),
        ("baseline: /health/", client.get, "/health/"),
    ):
        times, cpu, queries = measure(get, [url] * args.samples)
        print(
            f"{name:<20}{statistics.median(times):>8.1f}{p95(times):>8.1f}"
            f"{statistics.median(cpu):>9.1f}{max(queries):>9}"
        )
        if name.endswith("login"):
            base = times
    missed = 0
    for kind, target in TARGETS.items():
        # "cold": the overview's totals recomputed (as after every import, sync or review).
        before = cache.clear if kind.endswith("(cold)") else (lambda: None)
        times, cpu, queries = measure(client.get, urls[kind], before)
        median = statistics.median(times)
        low, high = min(queries), max(queries)
        count = f"{low}-{high}" if low != high else str(low)
        verdict = "ok" if median <= target else "MISSED"
        missed += verdict != "ok"
        print(
            f"{kind:<20}{median:>8.1f}{p95(times):>8.1f}{statistics.median(cpu):>9.1f}"
            f"{count:>9}{'<= ' + str(target):>8}  {verdict}"
            f"  ({median / statistics.median(base):.1f}x login)"
        )
    print("\n(times in ms; targets are medians of wall time)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

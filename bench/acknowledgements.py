#!/usr/bin/env python
"""The overview with acknowledgements and expiry computed at read time, at full size.

    .venv/bin/python bench/acknowledgements.py [--work DIR] [--database-url URL]
                                               [--samples N] [--acknowledgements N]

Needs ../shared.  Builds (or reuses, with --work) a scratch database holding the real
Azure Linux config (7,583 components, its deviations) imported by the importer, then the
state a sync and a team would leave: every component synced (half behind their tip),
verdicts at the tip (3% failing, 2% no-op, 1% obsolete), 100 owners, due dates on a third
of the deviations (at most 1,500) and 300 components (a third overdue), and
--acknowledgements acknowledgements (default 2,000) of every subject, a fifth of them
expired or on a basis that changed.
Then requests, through Django's full stack as a logged-in viewer, the login page (the
baseline) and the overview (target: median at most 40 ms on 2 cores) warm and cold (its
counts cached per day and audit chain head, or not at all), N times each, the overdue
page, and times `reads.ownership.attention()` alone; prints median, p95 and queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()
CONFIG = SHARED / "data" / "azurelinux-4.0" / "config"
PASSWORD = "bench-password"  # noqa: S105 - a scratch database's accounts


def _django(work: Path, database_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "azldrift.settings")
    os.environ.setdefault("STATIC_PLAIN", "1")
    os.environ.setdefault("AZLDRIFT_CACHE_DIR", str(work / "cache"))
    import django

    django.setup()


def _sha(*parts: object) -> str:
    import hashlib

    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - ids


def ensure_data(acknowledgements: int) -> None:
    """The real config, then synthetic sync state, owners, due dates, acknowledgements."""
    from django.core.management import call_command
    from django.db import transaction

    from deviations.domain.importer import import_config
    from deviations.models import Acknowledgement, Component

    call_command("migrate", verbosity=0)
    call_command("setup_roles", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not Component.objects.exists():
        started = time.perf_counter()
        import_config(CONFIG)
        print(f"import of the real config: {time.perf_counter() - started:.0f}s")
    if Acknowledgement.objects.exists():
        return
    with transaction.atomic():  # all of it or nothing, so a rerun starts clean
        _synthesize(acknowledgements)


def _synthesize(acknowledgements: int) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from deviations.domain import audit, ownership
    from deviations.domain.people import create_user
    from deviations.domain.permissions import REVIEWER, VIEWER
    from deviations.models import (
        Acknowledgement,
        Component,
        ComponentSync,
        Deviation,
        Owner,
        SyncRun,
    )
    from deviations.vocabulary import AcknowledgedSubject, AcknowledgementState, Origin, Verdict

    started = time.perf_counter()
    rng = random.Random(0)
    now = timezone.now()
    today = ownership.today()
    setup = audit.Actor.job("bench setup", Origin.COMMAND)
    if not User.objects.filter(username="viewer").exists():
        create_user(setup, "viewer", password=PASSWORD, roles=[VIEWER])
    people = [
        User.objects.filter(username=f"owner{i}").first()
        or create_user(setup, f"owner{i}", password=PASSWORD, roles=[REVIEWER])
        for i in range(100)
    ]
    owners = [Owner.objects.get_or_create(user=u, defaults={"name": u.username})[0] for u in people]
    run = SyncRun.objects.create(status="succeeded", created_at=now, finished_at=now)
    components = list(Component.objects.filter(removed=False).order_by("pk"))
    ComponentSync.objects.bulk_create(
        [
            ComponentSync(
                component=c,
                run=run,
                pinned_commit=_sha("pin", c.pk),
                tip_commit=_sha("tip", c.pk),
                commits_behind=rng.choice([0, 0, 0, 1, 3, 12]),
                input_fingerprint=_sha("in", c.pk),
                synced_at=now,
            )
            for c in components
        ],
        batch_size=1000,
    )
    deviations = list(Deviation.objects.filter(removed=False).order_by("pk"))
    for d in deviations:
        roll = rng.random()
        d.verdict_at_tip = (
            Verdict.FAILED if roll < 0.03 else Verdict.NOOP if roll < 0.05 else Verdict.APPLIED
        )
        d.obsolete = rng.random() < 0.01
    for d in rng.sample(deviations, min(1500, len(deviations) // 3)):
        d.owner = rng.choice(owners)
        d.due_date = today + dt.timedelta(days=rng.randint(-60, 120))
    Deviation.objects.bulk_update(
        deviations, ["verdict_at_tip", "obsolete", "owner", "due_date"], batch_size=1000
    )
    for c in rng.sample(components, 300):
        c.owner = rng.choice(owners)
        c.due_date = today + dt.timedelta(days=rng.randint(-60, 120))
    Component.objects.bulk_update(components, ["owner", "due_date"], batch_size=1000)
    tips = dict(ComponentSync.objects.values_list("component_id", "tip_commit"))
    pins = dict(ComponentSync.objects.values_list("component_id", "pinned_commit"))
    by_component = {c.pk: c for c in components}
    rows = []
    candidates = [d for d in deviations if d.verdict_at_tip != Verdict.APPLIED or d.obsolete]
    for i in range(acknowledgements):
        stale = rng.random() < 0.2  # expired, or on a basis that changed since
        expires = today + dt.timedelta(days=rng.randint(-10, -1) if stale else rng.randint(1, 90))
        if i % 2 or not candidates:
            c = rng.choice(components)
            rows.append(
                Acknowledgement(
                    subject=AcknowledgedSubject.DRIFT,
                    component=c,
                    reason="Stay on this pin until the mass rebuild settles",
                    expires_on=expires,
                    basis_pin_commit=pins[c.pk],
                    basis_tip_commit=tips[c.pk],
                    created_by=rng.choice(people),
                    created_at=now,
                )
            )
        else:
            d = rng.choice(candidates)
            subject = (
                AcknowledgedSubject.OBSOLETE
                if d.obsolete
                else AcknowledgedSubject.FAILING_AT_TIP
                if d.verdict_at_tip == Verdict.FAILED
                else AcknowledgedSubject.NOOP_AT_TIP
            )
            rows.append(
                Acknowledgement(
                    subject=subject,
                    component=by_component.get(d.component_id) or d.component,
                    deviation=d,
                    reason="Upstream reworks this; we follow at the next rebase",
                    expires_on=expires,
                    basis_tip_commit=tips.get(d.component_id, ""),
                    basis_verdict="obsolete" if d.obsolete else d.verdict_at_tip,
                    basis_fingerprint=d.fingerprint,
                    created_by=rng.choice(people),
                    created_at=now,
                    state=AcknowledgementState.ACTIVE,
                )
            )
    Acknowledgement.objects.bulk_create(rows, batch_size=1000)
    print(f"synthetic state ({len(rows)} acknowledgements): {time.perf_counter() - started:.0f}s")


def measure(label: str, fn: Callable[[], object], samples: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    times = []
    with CaptureQueriesContext(connection) as queries:
        fn()
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"{label:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
        f"{len(queries.captured_queries):3d} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="reuse this folder's database")
    parser.add_argument("--database-url")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--acknowledgements", type=int, default=2000)
    args = parser.parse_args()
    if not CONFIG.exists():
        sys.exit(f"needs the real config at {CONFIG}")
    work = args.work or Path(tempfile.mkdtemp(prefix="azldrift-bench-ack-"))
    work.mkdir(parents=True, exist_ok=True)
    _django(work, args.database_url)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import setup_test_environment

    from deviations.models import Acknowledgement, Component, Deviation
    from deviations.reads import ownership

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    # Count a request's queries: Django forgets them when a request starts.
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    ensure_data(args.acknowledgements)
    print(
        f"{Component.objects.count()} components, {Deviation.objects.count()} deviations, "
        f"{Acknowledgement.objects.count()} acknowledgements; {work}"
    )
    client = Client()
    anonymous = Client()
    client.force_login(User.objects.get(username="viewer"))
    counts = ownership.attention()
    print(
        f"attention today: {counts.behind} drifting (+{counts.behind_acknowledged} acknowledged), "
        f"{counts.failing_at_tip} failing (+{counts.failing_acknowledged}), "
        f"{counts.overdue} overdue, {counts.no_expiry} with no expiry"
    )

    def get(c: Client, url: str) -> Callable[[], object]:
        def run() -> object:
            response = c.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    measure("baseline: login page", get(anonymous, "/login/"), args.samples)
    measure("overview (acknowledgements, today)", get(client, "/"), args.samples)
    overview = get(client, "/")

    def cold() -> object:
        cache.clear()  # as after any audited change, or a new day: every count afresh
        return overview()

    measure("overview, cold (nothing cached)", cold, args.samples)
    measure("attention() alone, uncached", ownership.attention, args.samples)
    measure("overdue page", get(client, "/overdue/"), args.samples)


if __name__ == "__main__":
    main()

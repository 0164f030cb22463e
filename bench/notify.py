#!/usr/bin/env python
"""Benchmark: notifications on the real Azure Linux config.

    .venv/bin/python bench/notify.py [--database-url URL] [--users 100] [--events 10000]
                                     [--samples 30]

Imports ../shared's config-history.bundle (the real config, with provenance) into a
scratch database (SQLite in a temporary folder unless --database-url), makes --users
accounts (each linked to one of the config's real commit authors while they last, each
watching five components and a filter of the deviation list), runs `manage.py notify`
once so the next run starts here, then writes --events audit events "since the last
run" as the services write them (changes requested, lapsed approvals, verdicts failing
at pin and tip, new deviations) and times:

- `manage.py notify` in a process of its own, sending every digest over SMTP to a local
  aiosmtpd server: wall time and peak RSS (targets 30 s, 300 MB); then the run after
  it, which has nothing to send;
- a feed of 50 entries (a component's, the user's own, a deviation-list filter's, the
  review queue's) through Django's whole stack: median and p95 (target 50 ms);

each printed beside the baseline of the same run: the login page's median.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared")).resolve()
BUNDLE = SHARED / "data" / "azurelinux-4.0" / "config-history.bundle"
sys.path.insert(0, str(ROOT))


def median_ms(get, urls: list[str]) -> tuple[float, float, float]:
    """Median and p95 wall time, and median CPU time of this process, of each request (ms)."""
    times, cpu = [], []
    get(urls[0])  # warm the templates and caches once
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(times), p95, statistics.median(cpu)


def make_people(n: int):
    """n accounts: reviewers and viewers, each with an e-mail, linked to a real author."""
    from deviations.domain import audit, people, watches
    from deviations.domain.permissions import REVIEWER, VIEWER
    from deviations.models import Component, ConfigCommit, GitIdentity
    from deviations.vocabulary import Origin

    setup = audit.Actor.job("bench setup", Origin.COMMAND)
    authors = list(
        ConfigCommit.objects.exclude(author_email="")
        .order_by("author_email")
        .values_list("author_email", flat=True)
        .distinct()
    )
    customized = list(Component.objects.filter(deviation_count__gt=0).values_list("pk", flat=True))
    rng = random.Random(15)
    users = []
    for i in range(n):
        role = REVIEWER if i % 4 == 0 else VIEWER
        user = people.create_user(
            setup, f"user{i:03d}", email=f"user{i:03d}@bench.invalid", roles=[role]
        )
        if i < len(authors):
            GitIdentity.objects.create(user=user, email=authors[i])
        actor = audit.Actor.for_user(user)
        for pk in rng.sample(customized, 5):
            watches.watch_component(actor, user, Component.objects.get(pk=pk))
        watches.watch_filter(
            actor, user, rng.choice(["kind=overlay", "q=test", "category=azl-pruning"])
        )
        users.append(user)
    return users, authors


def write_events(n: int, reviewers) -> None:
    """n events after the last run, shaped as the review, import and sync services write
    them, in batches of 1,000."""
    from deviations.domain import audit
    from deviations.models import Deviation
    from deviations.vocabulary import AuditAction

    rng = random.Random(10_000)
    devs = list(Deviation.objects.select_related("component").filter(removed=False))
    kinds = [
        AuditAction.REVIEW_CHANGES_REQUESTED,
        AuditAction.REVIEW_LAPSED,
        AuditAction.SYNC_DEVIATION_CHANGED,
        AuditAction.DEVIATION_CREATED,
    ]
    written = 0
    while written < n:
        by_actor: dict[str, tuple[audit.Actor, list[audit.Draft]]] = {}
        for _ in range(min(1000, n - written)):
            dev, action = rng.choice(devs), rng.choice(kinds)
            described = audit.describe(dev)
            name = dev.component.name
            if action == AuditAction.REVIEW_CHANGES_REQUESTED:
                reviewer = rng.choice(reviewers)
                actor = audit.Actor.for_user(reviewer)
                draft = audit.Draft(
                    action,
                    **described,
                    component_name=name,
                    before={"review_state": "needs-review"},
                    after={"review_state": "changes-requested", "comment": "Say why, please."},
                )
            elif action == AuditAction.REVIEW_LAPSED:
                actor = audit.Actor.job("import #2")
                draft = audit.Draft(
                    action,
                    **described,
                    component_name=name,
                    before={"review_state": "approved"},
                    after={"review_state": "stale", "reason": "Its content changed (import #2)."},
                )
            elif action == AuditAction.SYNC_DEVIATION_CHANGED:
                actor = audit.Actor.job("sync #2")
                draft = audit.Draft(
                    action,
                    **described,
                    component_name=name,
                    before={"verdict_at_pin": "applied", "verdict_at_tip": "applied"},
                    after={
                        "verdict_at_pin": rng.choice(["applied", "failed"]),
                        "verdict_at_tip": "failed",
                        "pinned_commit": "a" * 40,
                        "tip_commit": "b" * 40,
                    },
                )
            else:
                actor = audit.Actor.job("import #2")
                draft = audit.Draft(
                    action, **described, component_name=name, after={"key": dev.key}
                )
            by_actor.setdefault(actor.label, (actor, []))[1].append(draft)
            written += 1
        for actor, drafts in by_actor.values():
            audit.record_many(actor, drafts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    if not BUNDLE.exists():
        print(f"needs {BUNDLE} (the read-only shared data folder); it is absent", file=sys.stderr)
        return 2
    from aiosmtpd.controller import Controller  # requirements-dev.txt

    class Mailbox:
        messages = 0

        async def handle_DATA(self, server, session, envelope):
            Mailbox.messages += 1
            return "250 OK"

    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    smtp.start()
    work = Path(tempfile.mkdtemp(prefix="azldrift-bench-notify-"))
    env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'notify.sqlite3'}",
        "AZLDRIFT_CACHE_DIR": str(work / "cache"),
        "DJANGO_SETTINGS_MODULE": "azldrift.settings",
        "STATIC_PLAIN": "1",
        "AZLDRIFT_EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from deviations.domain import audit, feeds
    from deviations.domain.importer import import_config
    from deviations.models import AuditEvent, Component, Deviation, SentNotification

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    import_config(str(BUNDLE), ref="tomls/base/main")
    components, deviations = Component.objects.count(), Deviation.objects.count()
    print(
        f"import of the real config ({components} components, {deviations} deviations): "
        f"{time.perf_counter() - started:.1f} s"
    )
    with transaction.atomic():
        users, authors = make_people(args.users)
    call_command("notify", stdout=io.StringIO())  # the last run: the next starts after it
    before = AuditEvent.objects.count()
    started = time.perf_counter()
    with transaction.atomic():
        write_events(args.events, [u for u in users if u.username.endswith(("0", "4", "8"))])
    print(
        f"{args.users} users ({min(len(authors), args.users)} linked to real authors), "
        f"{AuditEvent.objects.count() - before} events written since the last run "
        f"({time.perf_counter() - started:.1f} s)"
    )
    connection.close()

    def notify() -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "notify"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]

    mailed = Mailbox.messages  # by the run before (the one this starts after)
    seconds, said = notify()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss_mb, cpu_s = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    sent = Mailbox.messages - mailed
    again, said_again = notify()
    items = SentNotification.objects.count()

    client = Client()
    login, login_p95, login_cpu = median_ms(client.get, ["/login/"] * args.samples)
    reader = Client()
    user = users[0]
    key = feeds.issue(audit.Actor.for_user(user), user)
    busiest = (
        AuditEvent.objects.exclude(component_name="")
        .values("component_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("component_name", flat=True)[:1]
    )[0]
    feeds_urls = {
        "component feed": f"/feeds/{key}/components/{busiest}/",
        "mine feed": f"/feeds/{key}/mine/",
        "filter feed": f"/feeds/{key}/deviations/?kind=overlay",
        "queue feed": f"/feeds/{key}/reviews/",
    }
    print(
        f"\n{'':<26}{'figure':>12}{'target':>10}  baseline: the login page, median "
        f"{login:.1f} ms (p95 {login_p95:.1f} ms, CPU {login_cpu:.1f} ms)"
    )
    print(
        f"{'manage.py notify':<26}{seconds:>10.1f} s{'30 s':>10}  {said} ({sent} mails over SMTP)"
    )
    print(f"{'  its CPU time':<26}{cpu_s:>10.1f} s")
    print(f"{'  peak RSS':<26}{rss_mb:>9.0f} MB{'300 MB':>10}")
    print(f"{'  the run after it':<26}{again:>10.1f} s{'':>10}  {said_again}")
    print(f"{'  items remembered':<26}{items:>12}")
    for name, url in feeds_urls.items():
        median, p95, cpu = median_ms(reader.get, [url] * args.samples)
        n = reader.get(url).content.count(b"<entry>")
        print(
            f"{name + f' ({n} entries)':<26}{median:>9.1f} ms{'50 ms':>10}  p95 {p95:.1f} ms, "
            f"CPU {cpu:.1f} ms, {median / login:.1f}x the login page"
        )
    smtp.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Upstream check benchmark: every upstream reference of the real config, against local
HTTPS servers speaking Bugzilla, Pagure, GitHub, GitLab and Anitya.

    .venv/bin/python bench/upstream.py [--config DIR] [--latency 0.05] [--releases N]

Imports the real Azure Linux 4.0 tree (../shared) into a scratch SQLite database, finds
every upstream reference of every deviation, and has five local HTTPS servers (one per
service, so each has its own per-host limits, as the real hosts do) answer for them, each
answer after `--latency` seconds (a network's round trip; default 50 ms).  Prints:

- a cold check of every link (nothing cached; target under 15 s);
- a re-check where every answer is `304 Not Modified` (target under 3 s);
- the process's peak memory (target under 200 MB);
- beside them, the baseline: the same questions asked one by one (one bug per request,
  one request at a time, no cache);
- with `--releases N`, the Anitya release check of the first N packaged components,
  cold and again (all 304).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("AZLDRIFT_SHARED", ROOT.parent / "shared"))
CONFIG = SHARED / "data" / "azurelinux-4.0" / "config"
SERVICES = ("bugzilla", "pagure", "github", "gitlab", "anitya")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--releases", type=int, default=0)
    args = parser.parse_args()
    if not (args.config / "azldev.toml").is_file():
        sys.exit(f"needs the real config at {args.config} (../shared)")

    from tests.lookaside_server import LookasideServer, make_certificate
    from tests.upstream_services import UpstreamServices

    work = Path(tempfile.mkdtemp(prefix="azldrift-bench-upstream-"))
    cert, key = make_certificate(work)
    servers = {name: UpstreamServices(LookasideServer(cert, key)) for name in SERVICES}
    for services in servers.values():
        services.latency = args.latency
    os.environ.update(
        DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        DJANGO_SETTINGS_MODULE="azldrift.settings",
        AZLDRIFT_CACHE_DIR=str(work / "cache"),
        AZLDRIFT_UPSTREAM_CA_BUNDLE=str(cert),
        AZLDRIFT_BUGZILLA_URL=servers["bugzilla"].bases.bugzilla,
        AZLDRIFT_PAGURE_URL=servers["pagure"].bases.pagure,
        AZLDRIFT_GITHUB_API_URL=servers["github"].bases.github_api,
        AZLDRIFT_GITLAB_URL=servers["gitlab"].bases.gitlab,
        AZLDRIFT_ANITYA_URL=servers["anitya"].bases.anitya,
        AZLDRIFT_UPSTREAM_RATE="0",  # the local servers set no rate; the real ones do
    )
    import django

    django.setup()
    from django.core.management import call_command

    from deviations.core.upstream.ask import questions
    from deviations.core.upstream.links import LinkKind, Service
    from deviations.domain.importer import import_config
    from deviations.domain.upstream import policy, refs
    from deviations.domain.upstream.check import CheckRequest, run_check
    from deviations.models import Component, Deviation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    import_config(str(args.config))
    print(f"imported the real config in {time.perf_counter() - started:.1f} s")
    deviations = list(Deviation.objects.select_related("component", "current_version"))
    links = refs.refresh(deviations)
    checked = [link for link in links.values() if link.checked]
    for link in checked:  # an answer for every link, shaped as its service's
        for services in servers.values():
            if link.service == Service.BUGZILLA and link.number:
                services.add_bug(link.number, "CLOSED", "ERRATA")
            elif link.service == Service.PAGURE and link.kind == LinkKind.COMMIT:
                services.add_pagure_commit(link.project, link.sha)
            elif link.service == Service.PAGURE and link.number:
                services.add_pagure_pr(link.project, link.number, "Merged")
            elif link.service == Service.GITHUB and link.kind == LinkKind.COMMIT:
                services.add_github_commit(link.project, link.sha)
            elif link.service == Service.GITHUB and link.kind == LinkKind.ISSUE and link.number:
                services.add_github_issue(link.project, link.number, "closed", "completed")
            elif link.service == Service.GITHUB and link.number:
                services.add_github_pull(link.project, link.number, "closed", merged=True)
            elif link.service == Service.GITLAB and link.kind == LinkKind.COMMIT:
                services.add_gitlab_commit(link.project, link.sha)
            elif link.service == Service.GITLAB and link.number:
                services.add_gitlab_mr(link.project, link.number, "merged")
    asked = questions(checked, policy.bases())
    by_service: dict[str, int] = {}
    for link in checked:
        by_service[link.service] = by_service.get(link.service, 0) + 1
    print(
        f"{len(deviations):,} deviations: {len(links)} upstream links, {len(checked)} asked "
        f"about ({', '.join(f'{k} {v}' for k, v in sorted(by_service.items()))}) in "
        f"{len(asked)} requests; {args.latency * 1000:.0f} ms a round trip"
    )

    def timed_check(**options: object) -> tuple[float, dict]:
        start = time.perf_counter()
        result = run_check(CheckRequest(releases=False, force=True, **options))  # type: ignore[arg-type]
        return time.perf_counter() - start, result.check.summary

    cold, summary = timed_check()
    errors = summary["links"]["errors"]
    print(f"cold check:   {cold:6.2f} s  ({summary['requests']} requests, {errors} errors)")
    warm, summary = timed_check()
    print(
        f"re-check:     {warm:6.2f} s  ({summary['not_modified']} of {summary['requests']} "
        "answered 304 Not Modified)"
    )

    # Baseline: the same questions one at a time, one bug per request, no cache.
    singles = [q for link in checked for q in questions([link], policy.bases())]
    session = requests.Session()
    start = time.perf_counter()
    for question in singles:
        session.get(question.url, headers=dict(question.headers), verify=str(cert), timeout=30)
    baseline = time.perf_counter() - start
    print(f"baseline:     {baseline:6.2f} s  ({len(singles)} requests one by one, no cache)")
    print(f"peak memory:  {peak_mb():6.1f} MB (the whole process: Django, the import, the check)")

    if args.releases:
        names = list(
            Component.objects.filter(spec_type="upstream")
            .order_by("name")
            .values_list("name", flat=True)[: args.releases]
        )
        for name in names:
            servers["anitya"].add_release(name, name, "1.0")
        for label in ("releases cold", "releases 304"):
            start = time.perf_counter()
            result = run_check(
                CheckRequest(components=names, links=False, releases=True, force=True)
            )
            took = time.perf_counter() - start
            s = result.check.summary
            print(
                f"{label}: {took:6.2f} s  ({len(names)} components, {s['requests']} requests, "
                f"{s['not_modified']} answered 304)"
            )
    for services in servers.values():
        services.server.stop()


if __name__ == "__main__":
    main()

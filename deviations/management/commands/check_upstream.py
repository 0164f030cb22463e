"""manage.py check_upstream: ask upstream about each deviation's links and each
component's latest release; store, suggest, audit."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.core.upstream.versions import newer
from deviations.domain.upstream.check import (
    CheckAlreadyRunning,
    CheckError,
    CheckRequest,
    CheckResult,
    ReleaseRow,
    run_check,
)
from deviations.vocabulary import Origin, UpstreamCheckTrigger


class Command(BaseCommand):
    help = (
        "Ask Bugzilla, Pagure, GitHub and GitLab about every deviation's upstream links, "
        "and Anitya about each component's latest upstream release (only what is due)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--components", help="comma-separated component names (default: all)")
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--links-only", action="store_true", help="links, not releases")
        only.add_argument("--releases-only", action="store_true", help="releases, not links")
        parser.add_argument(
            "--force", action="store_true", help="ask even what was checked recently"
        )
        parser.add_argument(
            "--offline", action="store_true", help="ask nothing; report the last states"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        names = None
        if options["components"] is not None:
            names = sorted({n.strip() for n in options["components"].split(",") if n.strip()})
            if not names:
                raise CommandError("--components needs at least one name")
        request = CheckRequest(
            components=names,
            links=not options["releases_only"],
            releases=not options["links_only"],
            force=options["force"],
            offline=options["offline"],
            trigger=UpstreamCheckTrigger.COMMAND,
            origin=Origin.COMMAND,
        )
        try:
            result = run_check(request)
        except (CheckError, CheckAlreadyRunning) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(as_json(result), indent=1))
        else:
            self._print(result)

    def _print(self, result: CheckResult) -> None:
        check = result.check
        summary = check.summary
        self.stdout.write(f"{check} {check.status}")
        if check.message:
            self.stdout.write(f"  {check.message}")
        if "links" in summary:
            s = summary["links"]
            self.stdout.write(
                f"  links: {s['links']} found, {s['asked']} asked, {s['changed']} changed, "
                f"{s['errors']} with errors"
            )
        if "releases" in summary:
            s = summary["releases"]
            self.stdout.write(
                f"  releases: {s['components']} components, {s['asked']} asked, "
                f"{s['changed']} changed, {s['errors']} with errors"
            )
        if "requests" in summary:
            self.stdout.write(
                f"  {summary['requests']} requests, {summary['not_modified']} answered "
                f"304 Not Modified, {summary['retries']} retried"
            )
        suggestions = [row for row in result.links if row["suggestion"]]
        for row in suggestions[:50]:
            self.stdout.write(
                f"  suggest {row['suggestion']}: {row['component']} {row['deviation_key']} "
                f"({row['url']} is {row['state']})"
            )
        for link in [r for r in result.links if r["error"]][:50]:
            self.stdout.write(f"  error: {link['component']} {link['url']}: {link['error']}")
        newer = [r for r in result.releases if _newer(r)]
        for release in newer[:50]:
            self.stdout.write(
                f"  newer upstream: {release['component']} {release['upstream_version']} "
                f"(Fedora's tip {release['version_at_tip']})"
            )


def _newer(row: ReleaseRow) -> bool:
    return bool(row["upstream_version"] and newer(row["upstream_version"], row["version_at_tip"]))


def as_json(result: CheckResult) -> dict[str, Any]:
    check = result.check
    return {
        "check": check.pk,
        "status": check.status,
        "offline": check.offline,
        "message": check.message,
        "summary": check.summary,
        "links": result.links,
        "releases": result.releases,
    }

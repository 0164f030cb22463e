"""manage.py import_config SOURCE [--ref REF] [--json]: record the config's deviations."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.domain.importer import ImportFailed, ImportResult, database_summary, import_config


def report(result: ImportResult | None, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The command's JSON: the records as they are now, and what this run changed."""
    summary = database_summary()
    return {
        **summary,
        "changes": result.totals() if result else {"created": 0, "changed": 0, "removed": 0},
        "changes_by_record": result.changes if result else {},
        "stale_reviews": result.stale if result else 0,
        "import_run": result.run.pk if result and result.run else None,
        "source": result.source if result else "",
        "commit": result.commit if result else "",
        "source_moved": result.moved if result else None,
        "errors": errors,
    }


def _place(location: dict[str, Any]) -> str:
    if location.get("git_dir"):
        return f"{location['git_dir']} at {location.get('commit', '')[:12]}"
    return location.get("folder", "")


def render_text(data: dict[str, Any]) -> str:
    lines = []
    if data["errors"]:
        lines.append(f"The config has {len(data['errors'])} problem(s); nothing was imported:")
        lines += [f"  {e['text']}" for e in data["errors"]]
        lines.append("")
        lines.append("The records are as they were:")
    lines.append(f"components: {data['components']} ({data['customized_components']} customized)")
    lines.append(f"deviations: {data['deviations']}")
    for kind, count in sorted(data["deviations_by_kind"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {kind:<22}{count:>6}")
    lines.append("overlays by type:")
    for kind, count in sorted(data["overlays_by_type"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {kind:<22}{count:>6}")
    changes = data["changes"]
    run = (
        f"import #{data['import_run']}"
        if data["import_run"]
        else "nothing changed, nothing written"
    )
    lines.append(
        f"changes: {changes['created']} created, {changes['changed']} changed, "
        f"{changes['removed']} removed ({run})"
    )
    if data.get("source_moved"):
        places = [_place(data["source_moved"][side]) for side in ("before", "after")]
        lines.append(f"config source moved: {places[0]} -> {places[1]}")
    if data["stale_reviews"]:
        lines.append(f"reviews gone stale: {data['stale_reviews']}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import the Azure Linux config (azldev TOML): a folder with azldev.toml, a git "
        "repository or bundle, or an https/ssh/git/file URL. Records every component and "
        "deviation; an invalid config is reported in full and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="folder, repository, bundle or URL")
        parser.add_argument("--ref", default=None, help="git revision to read (default: HEAD)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        result, errors = None, []
        try:
            result = import_config(options["source"], ref=options["ref"])
        except ImportFailed as exc:
            errors = [{**issue.as_dict(), "text": str(issue)} for issue in exc.issues]
        data = report(result, errors)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str))
        else:
            self.stdout.write(render_text(data))
        if errors:
            raise CommandError(f"the config has {len(errors)} problem(s); nothing was imported")

"""manage.py demo: azldrift's main job on the bundled demo data (what `bin/run` runs).

A sequence of steps, each a small function of the command and a shared context dict,
run in order.  Nothing here needs the network: the demo config, its git history and
its fake upstreams live in `demo/`, and what is built from them goes to `var/demo/`
(`--work-dir`).

The config is imported from a git repository built by `demo/confighistory.py`, so
every deviation has provenance.  A fresh database replays the end of that history: it
is imported at the commit the demo's colleague reviewed, synced and reviewed, and
then brought to the tip, which changes one approved overlay (it goes stale) and
removes a deviation.  A database that has imports already goes to the tip at once,
where an unchanged config writes nothing; run it again and nothing new is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.demo.reviews import demo_people_and_reviews, print_review_states
from deviations.demo.scripts import config_history
from deviations.demo.serve import serve_ui
from deviations.demo.sync import build_demo_upstream, print_drift, sync_demo
from deviations.domain.importer import ImportFailed, import_config, import_loaded
from deviations.domain.importer.plan import CHANGE, REMOVE, make_plan
from deviations.domain.importer.sources import load_source
from deviations.models import ImportRun

from .import_config import render_text, report

WORK_DIR = Path(settings.BASE_DIR) / "var" / "demo"

Step = Callable[["Command", dict[str, Any]], None]


def build_config_history(command: Command, context: dict[str, Any]) -> None:
    """Build the demo config's git repository (fixed commit ids) and list its commits."""
    if context["config"]:
        command.stdout.write(f"Importing {context['config']} (--config) instead.")
        return
    history = config_history()
    manifest = history.build(Path(context["work_dir"]) / "config.git")
    context["config"] = manifest["path"]
    context["config_history"] = manifest
    command.stdout.write(
        f"{len(manifest['commits'])} commits by {len(manifest['authors'])} authors in "
        f"{manifest['path']} (tip {manifest['head'][:12]}):"
    )
    for commit, sha in zip(history.HISTORY, manifest["commits"].values(), strict=True):
        mark = "  <- reviewed" if sha == manifest["reviewed"] else ""
        command.stdout.write(
            f"  {sha[:8]} {commit.date[:10]} {commit.author.name:<13} {commit.subject}{mark}"
        )


def _import(command: Command, context: dict[str, Any], **kwargs: Any) -> Any:
    try:
        result = import_config(context["config"], **kwargs)
    except ImportFailed as exc:
        raise CommandError(f"the demo config does not load:\n{exc}") from None
    command.stdout.write(render_text(report(result, [])))
    return result


def import_demo_config(command: Command, context: dict[str, Any]) -> None:
    """Import the demo config and print what was found (a fresh database: as reviewed)."""
    manifest = context.get("config_history")
    if manifest is None or ImportRun.objects.exists():
        context["import"] = _import(command, context)
        return
    reviewed = manifest["reviewed"]
    command.stdout.write(
        f"A fresh database: imported as of {reviewed[:8]}, the commit the demo's reviews "
        "were made on; the later commits follow the reviews."
    )
    context["import"] = _import(command, context, ref=reviewed)
    # What the later commits will change, so the reviews can approve one of them first.
    tip = load_source(context["config"], None, Path(settings.CACHE_DIR))
    plan = make_plan(tip.config, tip.provenance)
    context["later"] = {
        "loaded": tip,
        "changed": [s.row["id"] for s in plan.deviations if s.action == CHANGE],
        "removed": [s.row["id"] for s in plan.deviations if s.action == REMOVE],
    }


def import_later_commits(command: Command, context: dict[str, Any]) -> None:
    """After the reviews of a fresh database: import the tip, then sync what it changed."""
    later = context.pop("later", None)
    if later is None:
        command.stdout.write("The records are at the tip of the demo config already.")
    else:
        result = import_loaded(later["loaded"])
        context["import"] = result
        command.stdout.write(render_text(report(result, [])))
        sync_demo(command, context)
    print_review_states(command)


# (title, function) in the order they run.
STEPS: list[tuple[str, Step]] = [
    ("Building the demo config's git history", build_config_history),
    ("Importing the demo config", import_demo_config),
    ("Building the demo's Fedora dist-git repositories", build_demo_upstream),
    ("Syncing with upstream (file:// override)", sync_demo),
    ("Demo users and reviews", demo_people_and_reviews),
    ("Importing the later config commits", import_later_commits),
    ("Drift summary", print_drift),
    ("Serving the UI", serve_ui),  # blocks until Ctrl-C: keep it last
]


class Command(BaseCommand):
    help = "Run azldrift's main job on the bundled demo data (no network)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--config",
            default="",
            help="import this folder or repository (at HEAD) instead of the demo config history",
        )
        parser.add_argument(
            "--work-dir",
            default=str(WORK_DIR),
            help="where the demo's repositories are built (default: var/demo)",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="stop after the data steps (no web server)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        work = Path(options["work_dir"])
        context: dict[str, Any] = {
            "config": options["config"],
            "work_dir": work,
            "distgit_dir": work / "distgit",
            "options": options,
        }
        for number, (title, step) in enumerate(STEPS, start=1):
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{number}/{len(STEPS)}] {title}"))
            step(self, context)
            self.stdout.write("")

"""manage.py demo: azldrift's main job on the bundled demo data (what `bin/run` runs).

A sequence of steps, each a small function of the command and the run's state, run in
order.  The steps call the demo's functions (`deviations/demo/`), which return what
they did, and print it.  Nothing here needs the network: the demo config, its git
history and its fake upstreams live in `demo/`, and what is built from them goes to
`var/demo/` (`--work-dir`).

The config is imported from a git repository built by `demo/confighistory.py`, so
every deviation has provenance.  A fresh database replays the end of that history: it
is imported at the commit the demo's colleague reviewed, synced and reviewed, and
then brought to the tip, which changes one approved overlay (it goes stale) and
removes a deviation.  A database that has imports already goes to the tip at once,
where an unchanged config writes nothing; run it again and nothing new is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deviations.demo.reviews import GitAuthor, demo_people_and_reviews, review_states
from deviations.demo.scripts import config_history
from deviations.demo.serve import HOST, collect_static, port_from_env, serve, static_collected
from deviations.demo.sync import DemoUpstream, build_demo_upstream, drift_summary, sync_demo
from deviations.domain.importer import ImportFailed, import_config, import_loaded
from deviations.domain.importer.plan import CHANGE, REMOVE, make_plan
from deviations.domain.importer.sources import LoadedSource, load_source
from deviations.domain.sync.runs import SyncAlreadyRunning
from deviations.models import ImportRun, SyncRun

from .import_config import render_text, report

WORK_DIR = Path(settings.BASE_DIR) / "var" / "demo"


class ConfigHistory(TypedDict):
    """The manifest `demo/confighistory.py` returns for the repository it built."""

    path: str
    branch: str
    head: str
    commits: dict[str, str]  # label -> sha, in history order
    reviewed: str  # the commit the demo's reviews were made on
    reviewer: dict[str, str]  # name, email: the git identity the demo reviewer is linked to
    authors: list[str]


@dataclass(frozen=True)
class LaterCommits:
    """A fresh database stops at the reviewed commit; this is what the tip brings."""

    loaded: LoadedSource
    changed: list[int]  # deviations the later commits change
    removed: list[int]  # ... and remove


@dataclass
class DemoRun:
    """What the steps hand on to each other."""

    config: str  # the config to import ("" until the history is built, or --config)
    work_dir: Path
    serve: bool
    history: ConfigHistory | None = None
    later: LaterCommits | None = None
    upstream: DemoUpstream | None = None
    sync_run: SyncRun | None = None

    @property
    def distgit_dir(self) -> Path:
        return self.work_dir / "distgit"


Step = Callable[["Command", DemoRun], None]


def build_config_history(command: Command, run: DemoRun) -> None:
    """Build the demo config's git repository (fixed commit ids) and list its commits."""
    if run.config:
        command.stdout.write(f"Importing {run.config} (--config) instead.")
        return
    history = config_history()
    manifest: ConfigHistory = history.build(run.work_dir / "config.git")
    run.config = manifest["path"]
    run.history = manifest
    command.stdout.write(
        f"{len(manifest['commits'])} commits by {len(manifest['authors'])} authors in "
        f"{manifest['path']} (tip {manifest['head'][:12]}):"
    )
    for commit, sha in zip(history.HISTORY, manifest["commits"].values(), strict=True):
        mark = "  <- reviewed" if sha == manifest["reviewed"] else ""
        command.stdout.write(
            f"  {sha[:8]} {commit.date[:10]} {commit.author.name:<13} {commit.subject}{mark}"
        )


def _import(command: Command, run: DemoRun, ref: str | None = None) -> None:
    try:
        result = import_config(run.config, ref=ref)
    except ImportFailed as exc:
        raise CommandError(f"the demo config does not load:\n{exc}") from None
    command.stdout.write(render_text(report(result, [])))


def import_demo_config(command: Command, run: DemoRun) -> None:
    """Import the demo config and print what was found (a fresh database: as reviewed)."""
    if run.history is None or ImportRun.objects.exists():
        _import(command, run)
        return
    reviewed = run.history["reviewed"]
    command.stdout.write(
        f"A fresh database: imported as of {reviewed[:8]}, the commit the demo's reviews "
        "were made on; the later commits follow the reviews."
    )
    _import(command, run, ref=reviewed)
    # What the later commits will change, so the reviews can approve one of them first.
    tip = load_source(run.config, None, Path(settings.CACHE_DIR))
    plan = make_plan(tip.config, tip.provenance)
    run.later = LaterCommits(
        loaded=tip,
        changed=[s.row["id"] for s in plan.deviations if s.action == CHANGE and s.row],
        removed=[s.row["id"] for s in plan.deviations if s.action == REMOVE and s.row],
    )


def build_upstream(command: Command, run: DemoRun) -> None:
    """Build the demo's fake Fedora dist-git repositories (deterministic commit ids)."""
    run.upstream = upstream = build_demo_upstream(run.distgit_dir)
    for line in upstream.lines():
        command.stdout.write(line)
    for warning in upstream.warnings:
        command.stderr.write(warning)


def sync(command: Command, run: DemoRun) -> None:
    """Sync every demo component against the local repositories."""
    if run.upstream is None:
        raise CommandError("the demo's upstream repositories are not built (an earlier step)")
    try:
        done = sync_demo(run.upstream)
    except SyncAlreadyRunning as exc:
        raise CommandError(str(exc)) from None
    run.sync_run = done.run
    for line in done.lines:
        command.stdout.write(line)


def people_and_reviews(command: Command, run: DemoRun) -> None:
    """Demo users (printed), a git identity, and decisions in every review state."""
    named = run.history["reviewer"] if run.history else None
    done = demo_people_and_reviews(
        GitAuthor(email=named["email"], name=named["name"]) if named else None,
        later_changed=run.later.changed if run.later else (),
        later_removed=run.later.removed if run.later else (),
    )
    for line in done.lines():
        command.stdout.write(line)


def import_later_commits(command: Command, run: DemoRun) -> None:
    """After the reviews of a fresh database: import the tip, then sync what it changed."""
    later, run.later = run.later, None
    if later is None:
        command.stdout.write("The records are at the tip of the demo config already.")
    else:
        result = import_loaded(later.loaded)
        command.stdout.write(render_text(report(result, [])))
        sync(command, run)
    command.stdout.write(review_states())


def drift(command: Command, run: DemoRun) -> None:
    """How far Fedora moved past each pin, and what that means for the overlays."""
    if run.sync_run is None:
        raise CommandError("the demo has not synced (an earlier step)")
    for line in drift_summary(run.sync_run):
        command.stdout.write(line)


def serve_ui(command: Command, run: DemoRun) -> None:
    """Serve the UI until Ctrl-C, printing its address."""
    if not run.serve:
        command.stdout.write("Not serving the UI (--no-serve).")
        return
    port = port_from_env()
    if not static_collected():
        command.stdout.write("collecting static files ...")
        collect_static()
    command.stdout.write(
        command.style.SUCCESS(f"azldrift is serving on http://{HOST}:{port}/")
        + "  (log in as a demo user above; Ctrl-C stops it)"
    )
    command.stdout.flush()
    serve(port)


# (title, function) in the order they run.
STEPS: list[tuple[str, Step]] = [
    ("Building the demo config's git history", build_config_history),
    ("Importing the demo config", import_demo_config),
    ("Building the demo's Fedora dist-git repositories", build_upstream),
    ("Syncing with upstream (file:// override)", sync),
    ("Demo users and reviews", people_and_reviews),
    ("Importing the later config commits", import_later_commits),
    ("Drift summary", drift),
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
        run = DemoRun(
            config=options["config"],
            work_dir=Path(options["work_dir"]),
            serve=not options["no_serve"],
        )
        for number, (title, step) in enumerate(STEPS, start=1):
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{number}/{len(STEPS)}] {title}"))
            step(self, run)
            self.stdout.write("")

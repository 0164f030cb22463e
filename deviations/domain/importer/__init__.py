"""Import the Azure Linux config: every component and deviation, versioned and audited.

`import_config(source, ref=...)` reads the config (folder, repository or URL; see
sources.py), checks it completely, compares it with the records (plan.py) and, in one
transaction, writes what changed (write.py):

- an invalid config raises ImportFailed with every problem, and nothing is written;
- an unchanged config read from the same place writes nothing at all (no ImportRun,
  no audit event);
- otherwise an ImportRun is recorded and every created, changed, restored or removed
  component and deviation gets an audit event from the actor "import #N"; deviations
  are never deleted, only marked removed; a decided deviation whose fingerprint
  changed lapses to "stale" (deviations.domain.reviews.lapse_changed);
- the place the config is read from (a folder, or a repository: `ImportRun.location`)
  is part of what is recorded, because the sync reads overlay sources and local specs
  from the latest run's place: the same config from another place is an ImportRun
  with a `config.source-moved` event (before and after), even when nothing else
  changed.  Another commit of the same repository with the same content is not a
  move: every file the sync reads is pinned by the sha256 the import stored.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from deviations.core.config import ConfigError, ConfigIssue
from deviations.core.config.source import Limits
from deviations.domain import audit, ownership, reviews
from deviations.domain.importer import timeline
from deviations.domain.importer.plan import CHANGE, CREATE, REMOVE, RESTORE, Plan, make_plan
from deviations.domain.importer.sources import LoadedSource, load_source
from deviations.domain.importer.summary import database_summary
from deviations.domain.importer.write import apply_plan, ensure_commits
from deviations.models import ImportRun
from deviations.vocabulary import AuditAction, ImportRunStatus, Origin

__all__ = ["ImportFailed", "ImportResult", "database_summary", "import_config", "import_loaded"]

_LOCK_KEY = 0x617A6C_696D70  # "azl" "imp": one import at a time (PostgreSQL advisory lock)


class ImportFailed(Exception):
    """The config is not valid; `issues` lists every problem (nothing was written)."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__(str(ConfigError(issues)))


class Moved(TypedDict):
    """Where the config was read from before and now (a config.source-moved event)."""

    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class ImportResult:
    run: ImportRun | None  # None: nothing changed, nothing written
    source: str
    ref: str = ""
    commit: str = ""
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    stale: int = 0
    moved: Moved | None = None  # the config.source-moved event's before/after
    timings: dict[str, float] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        """created / changed / removed, components and deviations together.

        A restored record (back in the config after a removal) counts as created.
        """
        out = {"created": 0, "changed": 0, "removed": 0}
        for counts in self.changes.values():
            out["created"] += counts.get("created", 0) + counts.get("restored", 0)
            out["changed"] += counts.get("changed", 0)
            out["removed"] += counts.get("removed", 0)
        return out


def _counts(plan: Plan, steps: str) -> dict[str, int]:
    return {
        "created": plan.count(steps, CREATE),
        "changed": plan.count(steps, CHANGE),
        "restored": plan.count(steps, RESTORE),
        "removed": plan.count(steps, REMOVE),
    }


def _moved(previous: ImportRun, run: ImportRun, location: dict[str, str], commit: str) -> Moved:
    """The before/after of a config.source-moved event."""
    before_commit = previous.commit.sha if previous.commit else ""
    return {
        "before": {"import_run": previous.pk, **previous.location, "commit": before_commit},
        "after": {"import_run": run.pk, **location, "commit": commit},
    }


def import_config(
    source: str | Path,
    *,
    ref: str | None = None,
    origin: Origin = Origin.COMMAND,
    user: User | None = None,
    cache_dir: Path | None = None,
) -> ImportResult:
    """Import the config at `source`; ImportFailed (nothing written) when it is invalid."""
    started = time.perf_counter()
    # Limits: the config's size is checked as its files are read, before anything else.
    limits = Limits(max_components=int(getattr(settings, "MAX_COMPONENTS", 200_000)))
    try:
        loaded = load_source(str(source), ref, Path(cache_dir or settings.CACHE_DIR), limits)
    except ConfigError as exc:
        raise ImportFailed(exc.issues) from None
    read = time.perf_counter() - started
    return import_loaded(loaded, origin=origin, user=user, timings={"read": read})


def import_loaded(
    loaded: LoadedSource,
    *,
    origin: Origin = Origin.COMMAND,
    user: User | None = None,
    timings: dict[str, float] | None = None,
) -> ImportResult:
    """Record an already read and checked config (see import_config)."""
    timings = dict(timings or {})
    result = ImportResult(
        None, loaded.label, loaded.ref, loaded.commit.sha if loaded.commit else ""
    )
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        plan = make_plan(loaded.config, loaded.provenance)
        timings["plan"] = round(time.perf_counter() - started, 3)
        result.changes = {
            "components": _counts(plan, "components"),
            "deviations": _counts(plan, "deviations"),
        }
        location = ImportRun.place(loaded.label[:1000], loaded.git_dir, result.commit)
        previous = ImportRun.latest()
        moved = previous is not None and previous.location != location
        if plan.empty and not moved:
            # Nothing written, except a first back-fill of the record through time (a
            # later import replays from the last commit whose timeline is recorded).
            if not timeline.recorded():
                timeline.record(loaded.timeline, loaded.config, loaded.keys)
            result.timings = timings
            return result
        now = timezone.now()
        commits = ensure_commits(plan, [loaded.commit.sha] if loaded.commit else [])
        if loaded.commit is not None:
            plan.commits.setdefault(loaded.commit.sha, loaded.commit)
            commits.update(ensure_commits(plan, [loaded.commit.sha]))
        run = ImportRun.objects.create(
            started_at=now,
            source=loaded.label[:1000],
            ref=loaded.ref[:255],
            commit_id=commits.get(result.commit) if result.commit else None,
            origin=origin,
            triggered_by=user,
        )
        actor = audit.Actor.job(f"import #{run.pk}", origin, user)
        drafts = apply_plan(plan, run, actor, now, commits)
        if moved and previous is not None:
            result.moved = _moved(previous, run, location, result.commit)
            moved_draft = audit.Draft(
                AuditAction.CONFIG_SOURCE_MOVED, **audit.describe(run), **result.moved
            )
            drafts = itertools.chain([moved_draft], drafts)
        audit.record_bulk(actor, drafts)
        replayed = timeline.record(loaded.timeline, loaded.config, loaded.keys)
        changed_content = [
            s.record["id"]
            for s in plan.deviations
            if s.action == CHANGE and s.record["fingerprint"] != s.stated.fingerprint
        ]
        result.stale = len(reviews.lapse_changed(actor, changed_content, cause=f"import #{run.pk}"))
        # What the config proposes as owner and due date, for the deviations written anew.
        ownership.propose_from_config(actor, run)
        timings["write"] = round(time.perf_counter() - started - timings["plan"], 3)
        run.status = ImportRunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.summary = {
            "changes": result.changes,
            "stale": result.stale,
            "commit": result.commit,
            "git_dir": loaded.git_dir,
            "history": {**(loaded.stats or {}), "timeline_commits": replayed},
            "timings": timings,
        }
        run.save(update_fields=["status", "finished_at", "summary"])
        result.run = run
    result.timings = timings
    return result

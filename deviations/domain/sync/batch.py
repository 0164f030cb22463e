"""One batch of components of a run: git work in threads, each result stored at once.

A batch is what one task does (deviations.domain.sync.tasks.sync_batch); several worker processes
can run batches of the same run side by side.  Git work for up to `workers` components
runs in parallel threads (it is mostly waiting on git processes); the overlay engine runs
in render worker processes (at most one per CPU, each component within its time budget,
see render.Renderer); results are written by the calling thread, a few dozen components
per transaction (store.store_many), and progress is added to the run every half second so
a reader sees done/total move.  Neither the threads nor the render workers touch the
database.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import time
from dataclasses import dataclass

from django.conf import settings

from deviations.core.distgit import MirrorCache, MirrorPolicy
from deviations.core.lookaside import LookasideCache, LookasidePolicy
from deviations.core.overlays.archives import DEFAULT_LIMIT as DEFAULT_ARCHIVE_BYTES
from deviations.core.overlays.archives import DEFAULT_RATIO as DEFAULT_ARCHIVE_RATIO
from deviations.core.workers import Workers, cpu_count
from deviations.domain import audit
from deviations.domain.sync import runs
from deviations.domain.sync.configtree import config_reader
from deviations.domain.sync.jobs import plan
from deviations.domain.sync.process import Context, Outcome, Status, process
from deviations.domain.sync.render import Renderer
from deviations.domain.sync.store import store_many
from deviations.models import SyncRun
from deviations.vocabulary import Origin

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5  # progress becomes visible at least this often
GROUP_SIZE = 50  # components stored per transaction
GROUP_SECONDS = 0.25  # ... or after this long, whichever comes first
# What a render worker imports before it is forked: the engine, ready to run.
RENDER_PRELOAD = ("deviations.core.overlays.renderjob",)


def default_workers() -> int:
    return int(getattr(settings, "SYNC_WORKERS", 0) or max(2, 2 * (os.cpu_count() or 1)))


def mirror_cache() -> MirrorCache:
    policy = MirrorPolicy(
        timeout=float(getattr(settings, "SYNC_GIT_TIMEOUT", 300)),
        retries=int(getattr(settings, "SYNC_GIT_RETRIES", 2)),
    )
    return MirrorCache(settings.CACHE_DIR / "distgit", policy)


def renderer(threads: int) -> Renderer:
    """The overlay engine's worker processes: one per CPU at most, started when needed."""
    return Renderer(
        timeout=float(getattr(settings, "RENDER_TIMEOUT", 60)),
        workers=Workers(min(threads, cpu_count()), preload=RENDER_PRELOAD),
        max_archive_bytes=int(getattr(settings, "ARCHIVE_MAX_BYTES", DEFAULT_ARCHIVE_BYTES)),
        max_archive_ratio=float(getattr(settings, "ARCHIVE_MAX_RATIO", DEFAULT_ARCHIVE_RATIO)),
    )


def lookaside_cache() -> LookasideCache:
    policy = LookasidePolicy(
        timeout=float(getattr(settings, "LOOKASIDE_TIMEOUT", 60)),
        retries=int(getattr(settings, "LOOKASIDE_RETRIES", 2)),
        max_bytes=int(getattr(settings, "LOOKASIDE_MAX_BYTES", 1 << 30)),
        ca_bundle=getattr(settings, "LOOKASIDE_CA_BUNDLE", "") or None,
    )
    return LookasideCache(settings.CACHE_DIR / "lookaside", policy)


@dataclass
class BatchResult:
    processed: int = 0
    changed: int = 0
    skipped: int = 0
    errors: int = 0
    stopped: bool = False  # the run was abandoned or failed meanwhile


def run_batch(
    run_id: int,
    component_ids: list[int],
    *,
    base_uri: str | None = None,
    workers: int | None = None,
    origin: Origin = Origin.COMMAND,
) -> BatchResult:
    result = BatchResult()
    if not runs.mark_started(run_id):
        result.stopped = True
        return result
    run = SyncRun.objects.get(pk=run_id)
    jobs = plan(component_ids, base_uri, (run.options or {}).get("lookaside_base_uri"))
    progress = runs.Progress(done=len(component_ids) - len(jobs))  # removed meanwhile
    threads = max(1, workers or default_workers())
    ctx = Context(
        cache=mirror_cache(),
        read_config=config_reader(),
        renderer=renderer(threads),
        lookaside=lookaside_cache(),
    )
    actor = audit.Actor.job(f"sync #{run_id}", origin, user=run.triggered_by)
    last_flush = last_store = time.monotonic()
    group: list[Outcome] = []

    def store_group() -> None:
        group.sort(key=lambda o: o.job.name)  # audit events in a stable order
        results = store_many(run, group, actor)
        for outcome, changed in zip(group, results, strict=True):
            result.processed += 1
            progress.done += 1
            if changed:
                progress.changed += 1
                result.changed += 1
            elif outcome.status != Status.ERROR:
                progress.skipped += 1
                result.skipped += 1
            if outcome.status == Status.ERROR or outcome.issues:
                progress.errors += 1
                result.errors += 1
        group.clear()

    pool = concurrent.futures.ThreadPoolExecutor(threads)
    try:
        pending = {pool.submit(process, job, ctx) for job in jobs}
        while pending:
            # Wake up regularly even while a slow repository blocks: finished results are
            # stored and the heartbeat goes on.
            finished, pending = concurrent.futures.wait(
                pending, timeout=GROUP_SECONDS, return_when=concurrent.futures.FIRST_COMPLETED
            )
            group.extend(future.result() for future in finished)
            now = time.monotonic()
            if group and (
                len(group) >= GROUP_SIZE or now - last_store >= GROUP_SECONDS or not pending
            ):
                store_group()
                last_store = now
            if now - last_flush >= FLUSH_SECONDS:
                runs.flush(run_id, progress)
                last_flush = now
                if not runs.is_active(run_id):
                    result.stopped = True
                    break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        ctx.renderer.close()
        if progress.any():
            runs.flush(run_id, progress)
    runs.finish_if_complete(run_id)
    return result

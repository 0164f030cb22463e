"""The work for one component, without the database: git, pin, files, render, verdicts.

`process()` runs in worker threads and returns an `Outcome` (plain data); the caller
stores it in one transaction (store.py).  The rendering itself runs in a render worker
process within the component's time budget (render.Renderer).  Every problem with one
component becomes an error outcome, never an exception, so the run goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from deviations.core.diff import tree_diff
from deviations.core.distgit import (
    Commit,
    CommitFiles,
    DistGitError,
    History,
    MirrorCache,
    ObjectReader,
    SpecNVR,
    UpstreamState,
    distgit_commit,
    find_commit,
    is_ancestor,
    read_nvr,
    read_upstream,
)
from deviations.core.distgit.specinfo import decode
from deviations.core.lookaside import LookasideCache, LookasideError
from deviations.domain.sync import render
from deviations.domain.sync.archives import (
    archive_inputs,
    stale_post_overlay_hashes,
    with_archives,
)
from deviations.domain.sync.jobs import ComponentJob, OverlayInput
from deviations.domain.sync.render import VerdictAt
from deviations.vocabulary import DistGitIssue, SyncIssue, Verdict

log = logging.getLogger(__name__)

# Bump when what the sync stores for a component changes shape or meaning, so that the
# next sync recomputes every component instead of skipping it.
SYNC_FORMAT = 1


class Status:
    SKIPPED = "skipped"  # nothing changed since the last sync: no writes
    SYNCED = "synced"
    ERROR = "error"


@dataclass(frozen=True)
class OverlayOutcome:
    deviation_id: int
    version_id: int
    at_pin: VerdictAt
    at_tip: VerdictAt | None
    effect_hash: str
    obsolete_reason: str = ""


@dataclass
class Outcome:
    job: ComponentJob
    status: str
    fingerprint: str = ""
    error_kind: str = ""
    error: str = ""
    pin: Commit | None = None
    tip: Commit | None = None
    behind: int | None = None
    after: tuple[Commit, ...] = ()
    spec_file: str = ""
    nvr_at_pin: SpecNVR | None = None
    nvr_at_tip: SpecNVR | None = None
    rendered_diff: str = ""
    render_ok: bool = True
    overlays: list[OverlayOutcome] = field(default_factory=list)
    issues: list[tuple[str, str]] = field(default_factory=list)  # (issue kind, message)
    # Why the upstream-commit pin looks obsolete ("" when it does not, or there is none).
    pin_obsolete_reason: str = ""


@dataclass
class Context:
    cache: MirrorCache
    read_config: Callable[[str], bytes]  # root-relative path in the imported config -> bytes
    renderer: render.Renderer  # the overlay engine, in worker processes with a time budget
    quick_check: bool = True  # ask the server for the tip before fetching
    lookaside: LookasideCache | None = None  # source archives, for archive overlays


def effect_hash(at_pin: VerdictAt) -> str:
    """What an approval is bound to: the deviation's verdict and own diff at the pin."""
    return hashlib.sha256(f"{at_pin.verdict}\n{at_pin.diff}".encode()).hexdigest()


def fingerprint(
    job: ComponentJob, pin: str, tip: str, *, rendered: bool = True, **extra: object
) -> str:
    """Everything the stored result depends on; unchanged means skip with no writes.

    The pin is a function of (history, branch, snapshot, upstream-commit); the history is
    fixed by the tip, so an unchanged tip and unchanged inputs mean an unchanged pin.
    """
    payload = {
        "format": SYNC_FORMAT,
        # Only rendering depends on the engine: an engine upgrade re-syncs just the
        # components that have overlays.
        "engine": render.engine_version() if job.overlays and rendered else "",
        "url": job.url,
        "branch": job.branch,
        "package": job.package,
        "snapshot": job.snapshot,
        "upstream_commit": job.upstream_commit,
        "pin": pin,
        "tip": tip,
        "overlays": [[o.deviation_id, o.version_id, o.fingerprint] for o in job.overlays],
        "local": [job.local_spec.version_id, job.local_spec.sha256] if job.local_spec else None,
        **extra,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _error(job: ComponentJob, kind: str, message: str) -> Outcome:
    fp = fingerprint(job, "", "", rendered=False, error=kind, message=message)
    return Outcome(job, Status.ERROR, fp, error_kind=kind, error=message)


def process(job: ComponentJob, ctx: Context) -> Outcome:
    """Sync one component; never raises for a problem of this component."""
    try:
        if job.is_local:
            return _local(job, ctx)
        if job.url_error is not None:
            return _error(job, job.url_error.kind, str(job.url_error))
        return _upstream(job, ctx)
    except DistGitError as exc:
        return _error(job, exc.kind, str(exc))
    except (render.SourceChanged, render.RenderTimeout, render.EngineError) as exc:
        return _error(job, exc.kind, str(exc))
    except Exception as exc:  # one component's bug must not stop the run
        log.exception("sync of %s failed", job.name)
        return _error(
            job, DistGitIssue.GIT_FAILED, f"unexpected error: {type(exc).__name__}: {exc}"
        )


def _local(job: ComponentJob, ctx: Context) -> Outcome:
    """No upstream: the whole spec is Azure Linux's own, shown as a diff from nothing."""
    spec = job.local_spec
    fp = fingerprint(job, "", "")
    if job.previous is not None and job.previous.fingerprint == fp:
        return Outcome(job, Status.SKIPPED, fp)
    if spec is None or not spec.path:
        return _error(job, DistGitIssue.SPEC_MISSING, "local spec: no path recorded by the import")
    data = render.read_checked(ctx.read_config, spec.path, spec.sha256, "the local spec")
    name = f"{job.name}.spec"
    outcome = Outcome(job, Status.SYNCED, fp, spec_file=spec.path)
    after = {name: data}
    if job.overlays:  # overlays on a local spec apply to it as to an upstream one
        sources = render.overlay_sources(job.overlays, ctx.read_config)
        (rendered,) = ctx.renderer.render([CommitFiles("", name, {name: data})], job, sources)
        for item, verdict in zip(job.overlays, rendered.verdicts, strict=True):
            outcome.overlays.append(
                OverlayOutcome(
                    item.deviation_id, item.version_id, verdict, verdict, effect_hash(verdict)
                )
            )
            if verdict.verdict == Verdict.FAILED:
                outcome.issues.append((SyncIssue.OVERLAY_FAILED, verdict.message))
        outcome.render_ok = not outcome.issues
        after = rendered.files or after
    outcome.rendered_diff = tree_diff({}, after)
    outcome.nvr_at_pin = outcome.nvr_at_tip = read_nvr(decode(after.get(name, data)))
    if spec.deviation_id:
        whole = VerdictAt(
            Verdict.APPLIED, "the whole spec is Azure Linux's own", tree_diff({}, {name: data})
        )
        outcome.overlays.insert(
            0, OverlayOutcome(spec.deviation_id, spec.version_id, whole, None, effect_hash(whole))
        )
    return outcome


def _upstream(job: ComponentJob, ctx: Context) -> Outcome:
    cache = ctx.cache
    prev = job.previous
    if ctx.quick_check and prev and prev.tip_commit and cache.has(job.url):
        tip = cache.remote_tip(job.url, job.branch)
        if tip == prev.tip_commit:
            extra = {}
            if job.archives:  # their `sources` entries, from the mirror as it is
                with ObjectReader(str(cache.path_for(job.url))) as reader:
                    extra = archive_inputs(job, reader, prev.pinned_commit, tip)
            fp = fingerprint(job, prev.pinned_commit, tip, **extra)
            if fp == prev.fingerprint:
                return Outcome(job, Status.SKIPPED, fp)
    mirror = cache.update(job.url)
    with ObjectReader(mirror.path) as reader:
        state = read_upstream(
            reader,
            job.branch,
            job.package,
            snapshot=job.snapshot,
            upstream_commit=job.upstream_commit,
            sidecars=bool(job.overlays),
        )
        history = state.history
        extra = archive_inputs(job, reader, history.pin.sha, history.tip.sha)
        fp = fingerprint(job, history.pin.sha, history.tip.sha, **extra)
        if prev is not None and prev.fingerprint == fp:
            return Outcome(job, Status.SKIPPED, fp)
        outcome = Outcome(
            job,
            Status.SYNCED,
            fp,
            pin=history.pin,
            tip=history.tip,
            behind=history.behind,
            after=history.after,
            spec_file=state.at_pin.spec_path,
            nvr_at_pin=state.nvr_at_pin,
            nvr_at_tip=state.nvr_at_tip,
            pin_obsolete_reason=_pin_obsolete_reason(history),
        )
        if job.overlays:
            try:
                _render(job, ctx, state, outcome, reader)
            except (
                DistGitError,
                LookasideError,
                render.SourceChanged,
                render.EngineError,
                render.RenderTimeout,
            ) as exc:
                # The upstream state is right; only the rendering is missing.  Record both
                # (and keep the last verdicts: a lookaside outage or a render stopped at its
                # time budget must not flip them).
                kind = exc.kind
                outcome.fingerprint = fingerprint(
                    job, history.pin.sha, history.tip.sha, rendered=False, error=kind, **extra
                )
                outcome.error_kind, outcome.error = kind, str(exc)
                outcome.render_ok = False
                outcome.overlays = []
                outcome.issues = [(kind, str(exc))]
    return outcome


def _render(
    job: ComponentJob, ctx: Context, state: UpstreamState, outcome: Outcome, reader: ObjectReader
) -> None:
    sources = render.overlay_sources(job.overlays, ctx.read_config)
    commits = [with_archives(job, ctx.lookaside, state.at_pin, "the pinned commit")]
    if state.at_tip is not state.at_pin:
        commits.append(with_archives(job, ctx.lookaside, state.at_tip, "the branch tip"))
    # Pin and tip in one call: the time budget is the component's.
    at_pin, *rest = ctx.renderer.render(commits, job, sources)
    at_tip = rest[0] if rest else at_pin
    outcome.rendered_diff = at_pin.diff
    outcome.render_ok = all(v.verdict != Verdict.FAILED for v in at_pin.verdicts)
    for item, pin_v, tip_v in zip(job.overlays, at_pin.verdicts, at_tip.verdicts, strict=True):
        reason = _obsolete_reason(item, pin_v, job, outcome.pin, reader)
        outcome.overlays.append(
            OverlayOutcome(
                item.deviation_id, item.version_id, pin_v, tip_v, effect_hash(pin_v), reason
            )
        )
        if pin_v.verdict == Verdict.FAILED:
            outcome.issues.append((SyncIssue.OVERLAY_FAILED, pin_v.message))
    stale = stale_post_overlay_hashes(job, at_pin.archives)
    if stale:
        kind = SyncIssue.POST_OVERLAY_HASH_STALE
        outcome.issues += [(kind, message) for message in stale]
        # Kept on the component (like azldev's prep-sources, which fails on it), so a
        # skipped re-sync still lists it.
        outcome.error_kind, outcome.error = kind, "\n".join(stale)


def _pin_obsolete_reason(history: History) -> str:
    """An upstream-commit pin that selects the commit the snapshot selects anyway."""
    same = history.at_snapshot
    if same is None or same.sha != history.pin.sha:
        return ""
    return (
        f"the snapshot selects the same commit ({same.sha[:12]}): the upstream-commit pin "
        "changes nothing today"
    )


def _obsolete_reason(
    item: OverlayInput,
    at_pin: VerdictAt,
    job: ComponentJob,
    pin: Commit | None,
    reader: ObjectReader,
) -> str:
    """Why the overlay looks obsolete ("" when it does not)."""
    if at_pin.verdict == Verdict.NOOP:
        return "no-op at the pinned commit: upstream already has this change"
    if item.category != "upstream-backport" or pin is None:
        return ""
    for url in item.commit_links:
        found = distgit_commit(url)
        if found is None or found[0] != job.package:
            continue
        try:
            commit = find_commit(reader, found[1])
        except DistGitError:
            continue  # an ambiguous short id proves nothing
        if commit is not None and is_ancestor(reader, commit.sha, pin):
            return (
                f"the backported Fedora commit {commit.sha[:12]} ({url}) is already in the "
                f"pinned history (pin {pin.sha[:12]})"
            )
    return ""

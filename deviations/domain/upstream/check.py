"""One upstream check: links' live states, suggestions, and releases, stored and audited.

`run_check()` is what the command, the task and the sync page call.  It records an
`UpstreamCheck` (one at a time), refreshes the deviations' links from their current
versions, asks the services about the links that are due (never checked, checked
longer ago than the interval, or failed last time; all with `force`), asks Anitya about
the components that are due, and then writes everything in one transaction with its
audit events (`upstream.link.changed`, `upstream.release.changed`,
`upstream.suggestion.created` / `.superseded`).  A failing service is an error on its
links, never a failed run.  Offline (asked, or no service reachable at all) it says so
and keeps the last states.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from deviations.core.upstream import anitya, versions
from deviations.core.upstream.ask import ask
from deviations.core.upstream.client import ErrorKind, UpstreamClient, UpstreamError
from deviations.core.upstream.links import Link
from deviations.core.upstream.questions import Outcome
from deviations.domain import audit
from deviations.domain.upstream import policy, refs, suggest
from deviations.models import (
    Component,
    ComponentSync,
    Deviation,
    DeviationLink,
    DriftCommit,
    UpstreamCheck,
    UpstreamLink,
    UpstreamRelease,
    UpstreamSuggestion,
)
from deviations.vocabulary import (
    AuditAction,
    Origin,
    SpecType,
    SuggestionStatus,
    UpstreamCheckStatus,
    UpstreamCheckTrigger,
)

UNREACHABLE = (ErrorKind.UNREACHABLE,)
# A check still "running" after this long lost its process (a check takes minutes).
ABANDONED_AFTER = dt.timedelta(hours=6)


class CheckError(ValueError):
    """A check that cannot start as asked (unknown component, bad options)."""


class CheckAlreadyRunning(Exception):
    """A second check was refused because one is running."""


@dataclass
class CheckRequest:
    components: list[str] | None = None  # None: every current component
    links: bool = True
    releases: bool = True
    force: bool = False  # ask even what was checked within the interval
    offline: bool = False  # ask nothing; report the last states
    trigger: UpstreamCheckTrigger = UpstreamCheckTrigger.COMMAND
    origin: Origin = Origin.COMMAND
    user: User | None = None  # who asked (None: a command or a scheduled task)


class LinkRow(TypedDict):
    component: str
    deviation_key: str
    url: str
    service: str
    state: str
    checked_at: str | None
    suggestion: str | None
    error: str | None


class ReleaseRow(TypedDict):
    component: str
    upstream_project: str
    upstream_version: str
    version_at_pin: str
    version_at_tip: str
    error: str | None


@dataclass
class CheckResult:
    check: UpstreamCheck
    links: list[LinkRow] = field(default_factory=list)
    releases: list[ReleaseRow] = field(default_factory=list)

    @property
    def offline(self) -> bool:
        return self.check.offline


def _components(names: list[str] | None) -> list[Component]:
    current = Component.objects.filter(removed=False)
    if names is None:
        return list(current.order_by("name"))
    found = {c.name: c for c in current.filter(name__in=names)}
    unknown = sorted(set(names) - set(found))
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise CheckError(f"unknown component(s): {shown}")
    return [found[name] for name in sorted(found)]


def _start(request: CheckRequest) -> UpstreamCheck:
    options = {
        "components": request.components,
        "links": request.links,
        "releases": request.releases,
        "force": request.force,
    }
    UpstreamCheck.objects.filter(
        status=UpstreamCheckStatus.RUNNING, created_at__lt=timezone.now() - ABANDONED_AFTER
    ).update(
        status=UpstreamCheckStatus.FAILED,
        finished_at=timezone.now(),
        message="abandoned: still running after 6 hours, its process is gone",
    )
    try:
        with transaction.atomic():
            return UpstreamCheck.objects.create(
                trigger=request.trigger,
                triggered_by=request.user if request.user is not None and request.user.pk else None,
                options=options,
                offline=request.offline,
                created_at=timezone.now(),
            )
    except IntegrityError:
        running = UpstreamCheck.objects.filter(status=UpstreamCheckStatus.RUNNING).first()
        what = f"upstream check #{running.pk}" if running else "another upstream check"
        raise CheckAlreadyRunning(f"{what} is running; one runs at a time") from None


def _due(row: UpstreamLink, since: dt.datetime, force: bool) -> bool:
    return force or row.checked_at is None or row.checked_at < since or bool(row.error_kind)


def _link_values(outcome: Outcome, now: dt.datetime, row: UpstreamLink) -> dict[str, Any]:
    if isinstance(outcome, UpstreamError):
        return {"checked_at": now, "error_kind": outcome.kind, "error": str(outcome)[:2000]}
    detail = outcome.as_json()
    values: dict[str, Any] = {
        "state": str(outcome.state),
        "detail": detail,
        "checked_at": now,
        "error_kind": "",
        "error": "",
    }
    if row.state != outcome.state:
        values["state_seen_at"] = now
    return values


def _store_link(row: UpstreamLink, outcome: Outcome, now: dt.datetime) -> audit.Draft | None:
    """Apply one outcome to its row (saved); the audit draft when something changed."""
    before = {"state": row.state, "detail": row.detail, "error_kind": row.error_kind}
    for name, value in _link_values(outcome, now, row).items():
        setattr(row, name, value)
    row.save()
    after = {"state": row.state, "detail": row.detail, "error_kind": row.error_kind}
    # `changed_at` of a bug moves with every comment: a change is the state, the
    # service's words, the release or the error.
    keys = ("state", "error_kind")
    detail_keys = ("detail", "release", "title")
    same = all(before[k] == after[k] for k in keys) and all(
        (before["detail"] or {}).get(k) == (after["detail"] or {}).get(k) for k in detail_keys
    )
    if same:
        return None
    if isinstance(outcome, UpstreamError):
        after["error"] = row.error
    return audit.Draft(
        action=AuditAction.UPSTREAM_LINK_CHANGED,
        object_type="upstreamlink",
        object_id=str(row.pk),
        object_repr=row.url[:500],
        before=before,
        after=after,
    )


def _drift(component_ids: Iterable[int]) -> dict[int, dict[str, DriftCommit]]:
    out: dict[int, dict[str, DriftCommit]] = {}
    for commit in DriftCommit.objects.filter(component_id__in=list(component_ids)):
        out.setdefault(commit.component_id, {})[commit.sha] = commit
    return out


def _check_links(
    check: UpstreamCheck,
    request: CheckRequest,
    components: list[Component],
    client: UpstreamClient | None,
) -> tuple[list[audit.Draft], dict[str, int]]:
    deviations = list(
        Deviation.objects.filter(component__in=components)
        .select_related("component", "current_version")
        .order_by("component__name", "position")
    )
    found = refs.refresh(deviations)
    rows = {row.url: row for row in UpstreamLink.objects.filter(url__in=list(found))}
    since = timezone.now() - policy.link_interval()
    due: list[Link] = [
        found[url]
        for url, row in rows.items()
        if found[url].checked and _due(row, since, request.force)
    ]
    outcomes: dict[str, Outcome] = {}
    if client is not None and due:
        outcomes = ask(client, due, policy.bases(), workers=4 * max(1, client.policy.per_host))
    counts = {"links": len(found), "asked": len(due), "changed": 0, "errors": 0}
    if outcomes and all(
        isinstance(o, UpstreamError) and o.kind in UNREACHABLE for o in outcomes.values()
    ):
        check.offline = True  # no service answered at all: keep the states, say so
        outcomes = {}
    counts["errors"] = sum(isinstance(o, UpstreamError) for o in outcomes.values())
    now = timezone.now()
    drafts: list[audit.Draft] = []
    with transaction.atomic():
        for url, outcome in outcomes.items():
            draft = _store_link(rows[url], outcome, now)
            if draft is not None:
                counts["changed"] += 1
                drafts.append(draft)
        uses = list(
            DeviationLink.objects.filter(deviation__in=deviations).order_by(
                "deviation__component__name", "deviation__position", "position"
            )
        )
        links = {row.pk: row for row in rows.values()}
        drafts += suggest.refresh(deviations, uses, links, _drift(c.pk for c in components))
        audit.record_many(_actor(check, request), drafts)
    return drafts, counts


def _actor(check: UpstreamCheck, request: CheckRequest) -> audit.Actor:
    return audit.Actor.job(check.actor_label, request.origin, request.user)


def _package(component: Component) -> str:
    return component.upstream_name or component.name


def _release_values(outcome: anitya.Release | UpstreamError, now: dt.datetime) -> dict[str, Any]:
    if isinstance(outcome, UpstreamError):
        return {"checked_at": now, "error_kind": outcome.kind, "error": str(outcome)[:2000]}
    return {
        "project": outcome.project,
        "ecosystem": outcome.ecosystem,
        "latest_version": outcome.stable_version,
        "checked_at": now,
        "error_kind": "",
        "error": "" if outcome.mapped else "Anitya maps no upstream project to this package",
    }


def _compare(release: UpstreamRelease, sync: ComponentSync | None) -> None:
    tip = sync.version_at_tip if sync is not None else ""
    release.fedora_version = tip
    release.newer_than_fedora = (
        versions.newer(release.latest_version, tip) if release.latest_version and tip else None
    )


def _check_releases(
    check: UpstreamCheck,
    request: CheckRequest,
    components: list[Component],
    client: UpstreamClient | None,
) -> tuple[list[audit.Draft], dict[str, int]]:
    packaged = [c for c in components if c.spec_type == SpecType.UPSTREAM]
    current = {r.component_id: r for r in UpstreamRelease.objects.filter(component__in=packaged)}
    syncs = {s.component_id: s for s in ComponentSync.objects.filter(component__in=packaged)}
    since = timezone.now() - policy.release_interval()
    due = [
        c
        for c in packaged
        if request.force
        or c.pk not in current
        or current[c.pk].checked_at is None
        or current[c.pk].checked_at < since  # type: ignore[operator]
        or current[c.pk].error_kind
    ]
    outcomes: dict[int, anitya.Release | UpstreamError] = {}
    if client is not None and due:
        base = policy.bases().anitya

        def one(component: Component) -> tuple[int, anitya.Release | UpstreamError]:
            try:
                return component.pk, anitya.release(client, base, _package(component))
            except UpstreamError as exc:
                return component.pk, exc

        with ThreadPoolExecutor(max_workers=max(1, 2 * client.policy.per_host)) as pool:
            outcomes = dict(pool.map(one, due))
    if outcomes and all(
        isinstance(o, UpstreamError) and o.kind in UNREACHABLE for o in outcomes.values()
    ):
        check.offline = True
        outcomes = {}
    counts = {"components": len(packaged), "asked": len(due), "changed": 0, "errors": 0}
    counts["errors"] = sum(isinstance(o, UpstreamError) for o in outcomes.values())
    now = timezone.now()
    drafts: list[audit.Draft] = []
    watched = ("project", "latest_version", "error_kind")
    with transaction.atomic():
        for component in packaged:
            row = current.get(component.pk)
            outcome = outcomes.get(component.pk)
            if row is None and outcome is None:
                continue
            if row is None:
                row = UpstreamRelease(component=component, package=_package(component))
            before = {k: getattr(row, k) for k in watched} if row.checked_at else None
            if outcome is not None:
                for name, value in _release_values(outcome, now).items():
                    setattr(row, name, value)
            row.package = _package(component)
            _compare(row, syncs.get(component.pk))
            row.save()
            after = {k: getattr(row, k) for k in watched}
            if outcome is not None and before != after:
                counts["changed"] += 1
                drafts.append(
                    audit.Draft(
                        action=AuditAction.UPSTREAM_RELEASE_CHANGED,
                        object_type="upstreamrelease",
                        object_id=str(component.pk),
                        object_repr=f"{component.name}: {row.project or 'not mapped'}"[:500],
                        component_name=component.name,
                        before=before,
                        after={**after, "error": row.error} if row.error_kind else after,
                    )
                )
        audit.record_many(_actor(check, request), drafts)
    return drafts, counts


def _link_rows(components: list[Component]) -> list[LinkRow]:
    uses = (
        DeviationLink.objects.filter(deviation__component__in=components)
        .select_related("deviation__component", "link")
        .order_by("deviation__component__name", "deviation__position", "position")
    )
    open_kinds: dict[tuple[int, int], str] = {
        (deviation_id, link_id): kind
        for deviation_id, link_id, kind in UpstreamSuggestion.objects.filter(
            deviation__component__in=components, status=SuggestionStatus.OPEN
        ).values_list("deviation_id", "link_id", "kind")
    }
    return [
        LinkRow(
            component=use.deviation.component.name,
            deviation_key=use.deviation.key,
            url=use.link.url,
            service=use.link.service,
            state=use.link.state if use.link.kind != "link" else "",
            checked_at=use.link.checked_at.isoformat() if use.link.checked_at else None,
            suggestion=open_kinds.get((use.deviation_id, use.link_id)),
            error=use.link.error or None,
        )
        for use in uses
    ]


def _release_rows(components: list[Component]) -> list[ReleaseRow]:
    releases = {r.component_id: r for r in UpstreamRelease.objects.filter(component__in=components)}
    syncs = {s.component_id: s for s in ComponentSync.objects.filter(component__in=components)}
    out = []
    for component in components:
        release, sync = releases.get(component.pk), syncs.get(component.pk)
        if release is None:
            continue
        out.append(
            ReleaseRow(
                component=component.name,
                upstream_project=release.project,
                upstream_version=release.latest_version,
                version_at_pin=sync.version_at_pin if sync else "",
                version_at_tip=sync.version_at_tip if sync else "",
                error=release.error or None,
            )
        )
    return out


def run_check(request: CheckRequest, client: UpstreamClient | None = None) -> CheckResult:
    """Run one check (see the module docstring); CheckError / CheckAlreadyRunning if it
    cannot start.  `client` is for tests and the benchmark (default: from the settings)."""
    if not (request.links or request.releases):
        raise CheckError("nothing to check: links and releases both left out")
    components = _components(request.components)
    check = _start(request)
    own_client = client is None and not request.offline
    if own_client:
        client = UpstreamClient(policy.policy(), policy.tokens())
    if request.offline:
        client = None
    summary: dict[str, Any] = {}
    try:
        if request.links:
            _, summary["links"] = _check_links(check, request, components, client)
        if request.releases:
            _, summary["releases"] = _check_releases(check, request, components, client)
        if client is not None:
            stats = client.stats
            summary["requests"] = stats.requests
            summary["not_modified"] = stats.not_modified
            summary["retries"] = stats.retries
        if check.offline:
            check.message = (
                "offline: nothing was asked; the last states are kept"
                if request.offline
                else "offline: no upstream service could be reached; the last states are kept"
            )
        check.status = UpstreamCheckStatus.SUCCEEDED
    except BaseException as exc:
        check.status = UpstreamCheckStatus.FAILED
        check.message = f"the check stopped: {exc!r}"[:2000]
        raise
    finally:
        if own_client and client is not None:
            client.close()
        check.summary = summary
        check.finished_at = timezone.now()
        check.save()
    result = CheckResult(check)
    if request.links:
        result.links = _link_rows(components)
    if request.releases:
        result.releases = _release_rows(components)
    return result

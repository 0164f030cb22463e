"""What an upstream state suggests for a deviation, and keeping suggestions current.

- a bug closed as fixed, an issue closed as completed, a pull or merge request merged:
  the change is upstream -> `upstreamed` (unless the deviation already says so);
- a pull or merge request closed unmerged, a bug closed without a fix -> `reconsider`
  (a reviewer should look: the change did not go upstream);
- a Fedora dist-git commit the deviation backports (a `commits` entry of an
  `upstream-backport` overlay, or a link on a line that says "backport") that Fedora's
  branch now has -> `obsolete` (in the pinned history already, or past the pin: the
  next rebase makes the deviation unnecessary).

A suggestion is keyed by its evidence (kind, state, the service's words, release), so
a dismissed one comes back only when the upstream state changes again; a change of
state supersedes the open one.  Suggestions are never applied: accepting one records
that a reviewer agrees (see `decide`), the config is still changed by a commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from deviations.core.upstream.links import LinkKind, Service, Source
from deviations.core.upstream.states import State
from deviations.domain.audit import Draft
from deviations.models import (
    Deviation,
    DeviationLink,
    DriftCommit,
    UpstreamLink,
    UpstreamSuggestion,
)
from deviations.vocabulary import AuditAction, SuggestionKind, SuggestionStatus

REQUESTS = (LinkKind.PULL_REQUEST, LinkKind.MERGE_REQUEST)


@dataclass(frozen=True)
class Proposal:
    kind: SuggestionKind
    why: str  # one sentence, shown with the evidence


def _is_backport(use: DeviationLink, deviation: Deviation) -> bool:
    if use.source == Source.COMMITS and deviation.category == "upstream-backport":
        return True
    return "backport" in use.context.lower()


def _own_package(link: UpstreamLink, deviation: Deviation) -> bool:
    component = deviation.component
    return link.project == f"rpms/{component.upstream_name or component.name}"


def propose(
    deviation: Deviation, use: DeviationLink, link: UpstreamLink, drift: dict[str, DriftCommit]
) -> Proposal | None:
    """The suggestion this link's state makes for this deviation (None: nothing to say).

    `drift` is the component's commits past the pin, by full sha.
    """
    state, kind = link.state, link.kind
    if state in (State.MERGED, State.FIXED) and kind != LinkKind.COMMIT:
        if deviation.upstream_status == "upstreamed":
            return None
        what = {State.MERGED: "merged", State.FIXED: "closed as fixed"}[State(state)]
        return Proposal(SuggestionKind.UPSTREAMED, f"the {kind} was {what} upstream")
    if state == State.CLOSED and kind in (*REQUESTS, LinkKind.BUG, LinkKind.ISSUE):
        return Proposal(
            SuggestionKind.RECONSIDER, f"the {kind} was closed upstream without the change"
        )
    if (
        state == State.PRESENT
        and link.service == Service.PAGURE
        and kind == LinkKind.COMMIT
        and _own_package(link, deviation)
        and _is_backport(use, deviation)
    ):
        if deviation.obsolete and "pinned history" in deviation.obsolete_reason:
            return Proposal(SuggestionKind.OBSOLETE, "Fedora's pinned history has the commit")
        sha = str(link.detail.get("facts", {}).get("sha") or link.sha)
        for full, commit in drift.items():
            if full.startswith(sha) or sha.startswith(full):
                when = commit.committed_at.date().isoformat() if commit.committed_at else "?"
                return Proposal(
                    SuggestionKind.OBSOLETE,
                    f"Fedora's branch has the commit since {when}, past the pin: a rebase "
                    "makes this deviation unnecessary",
                )
    return None


def evidence(link: UpstreamLink, proposal: Proposal) -> dict[str, Any]:
    return {
        "url": link.url,
        "service": link.service,
        "kind": link.kind,
        "state": link.state,
        "detail": link.detail.get("detail", ""),
        "title": link.detail.get("title", ""),
        "changed_at": link.detail.get("changed_at"),
        "release": link.detail.get("release", ""),
        "checked_at": link.checked_at.isoformat() if link.checked_at else None,
        "why": proposal.why,
    }


def evidence_hash(kind: str, found: dict[str, Any]) -> str:
    # What the upstream state is, not when we looked: a new comment on a closed bug
    # moves `changed_at` but must not bring a dismissed suggestion back.
    key = [kind, found["url"], found["state"], found["detail"], found["release"], found["why"]]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def _draft(
    action: AuditAction, suggestion: UpstreamSuggestion, deviation: Deviation, **extra: Any
) -> Draft:
    return Draft(
        action=action,
        object_type="upstreamsuggestion",
        object_id=str(suggestion.pk),
        object_repr=f"{deviation.component.name}: {deviation.key}: {suggestion.kind}"[:500],
        component_name=deviation.component.name,
        after={
            "deviation": deviation.pk,
            "kind": suggestion.kind,
            "status": suggestion.status,
            "evidence": suggestion.evidence,
            **extra,
        },
    )


def refresh(
    deviations: list[Deviation],
    uses: list[DeviationLink],
    links: dict[int, UpstreamLink],
    drift: dict[int, dict[str, DriftCommit]],
) -> list[Draft]:
    """Create the suggestions the current states make and supersede open ones that no
    longer hold; the audit drafts of every change (the caller records them)."""
    by_deviation = {d.pk: d for d in deviations}
    existing: dict[tuple[int, int], list[UpstreamSuggestion]] = {}
    # In the order the audit events have always come in (component, deviation, newest).
    recorded = UpstreamSuggestion.objects.filter(deviation_id__in=list(by_deviation)).order_by(
        "deviation__component__name", "deviation__position", "-created_at"
    )
    for row in recorded:
        existing.setdefault((row.deviation_id, row.link_id), []).append(row)
    drafts: list[Draft] = []
    now = timezone.now()
    kept: set[tuple[int, int]] = set()
    for use in uses:
        deviation, link = by_deviation[use.deviation_id], links[use.link_id]
        key = (deviation.pk, link.pk)
        kept.add(key)
        rows = existing.get(key, [])
        proposal = (
            None
            if deviation.removed
            else propose(deviation, use, link, drift.get(deviation.component_id, {}))
        )
        wanted_hash = ""
        if proposal is not None:
            found = evidence(link, proposal)
            wanted_hash = evidence_hash(proposal.kind, found)
            if not any(row.evidence_hash == wanted_hash for row in rows):
                created = UpstreamSuggestion.objects.create(
                    deviation=deviation,
                    link=link,
                    kind=proposal.kind,
                    evidence=found,
                    evidence_hash=wanted_hash,
                    created_at=now,
                )
                drafts.append(_draft(AuditAction.UPSTREAM_SUGGESTION_CREATED, created, deviation))
        for row in rows:
            if row.status == SuggestionStatus.OPEN and row.evidence_hash != wanted_hash:
                row.status = SuggestionStatus.SUPERSEDED
                row.save(update_fields=["status"])
                drafts.append(_draft(AuditAction.UPSTREAM_SUGGESTION_SUPERSEDED, row, deviation))
    # Links a deviation no longer writes: their open suggestions no longer hold.
    for key, rows in existing.items():
        if key in kept:
            continue
        for row in rows:
            if row.status == SuggestionStatus.OPEN:
                row.status = SuggestionStatus.SUPERSEDED
                row.save(update_fields=["status"])
                drafts.append(
                    _draft(AuditAction.UPSTREAM_SUGGESTION_SUPERSEDED, row, by_deviation[key[0]])
                )
    return drafts

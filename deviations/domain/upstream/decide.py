"""Accepting or dismissing an upstream suggestion: a reviewer's audited decision."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from deviations.domain import audit, permissions
from deviations.models import UpstreamSuggestion
from deviations.vocabulary import AuditAction, SuggestionStatus

MAX_COMMENT = 5000


class SuggestionError(ValueError):
    """A decision that cannot be recorded (unknown, already decided, no reason given)."""


def decide(
    actor: audit.Actor, suggestion_id: int, accept: bool, comment: str = ""
) -> UpstreamSuggestion:
    """Accept or dismiss an open suggestion; PermissionDenied or SuggestionError otherwise.

    A dismissal needs a comment (why the evidence does not hold for this deviation).
    The change and its `upstream.suggestion.accepted` / `.dismissed` event are one
    transaction.
    """
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise SuggestionError(f"The comment is longer than {MAX_COMMENT:,} characters.")
    if not accept and not comment:
        raise SuggestionError("Say why: a comment is required to dismiss a suggestion.")
    with transaction.atomic():
        suggestion = (
            UpstreamSuggestion.objects.select_for_update()
            .select_related("deviation__component", "link")
            .filter(pk=suggestion_id)
            .first()
        )
        if suggestion is None:
            raise SuggestionError(f"upstream suggestion #{suggestion_id} does not exist")
        deviation = suggestion.deviation
        permissions.require(permissions.suggestion_refusal(actor.user, deviation))
        if suggestion.status != SuggestionStatus.OPEN:
            raise SuggestionError(
                f"This suggestion is already {suggestion.status}; nothing was recorded."
            )
        before = suggestion.status
        suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.DISMISSED
        suggestion.decided_by = actor.user
        suggestion.decided_at = timezone.now()
        suggestion.comment = comment
        suggestion.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        audit.record(
            actor,
            AuditAction.UPSTREAM_SUGGESTION_ACCEPTED
            if accept
            else AuditAction.UPSTREAM_SUGGESTION_DISMISSED,
            object_type="upstreamsuggestion",
            object_id=str(suggestion.pk),
            object_repr=f"{deviation.component.name}: {deviation.key}: {suggestion.kind}"[:500],
            component_name=deviation.component.name,
            before={"status": before},
            after={
                "status": suggestion.status,
                "deviation": deviation.pk,
                "kind": suggestion.kind,
                "evidence": suggestion.evidence,
                "comment": comment,
            },
        )
    return suggestion

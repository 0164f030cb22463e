"""Template tags of the review workflow: the review panel and the notes' permission."""

from __future__ import annotations

from typing import Any

from django import template

from deviations.domain import permissions
from deviations.models import ReviewState
from deviations.web.views.reviews import Panel, panel

register = template.Library()


@register.simple_tag(takes_context=True)
def review_panel(context: dict[str, Any], deviation: Any, page_data: Any = None) -> Panel:
    """The review panel's data for the signed-in user (reuses the page's reviews and diff)."""
    past = getattr(page_data, "reviews", None)
    results = getattr(page_data, "results", None)
    effect = None
    if results is not None:
        pin = results.get("pin")
        effect = pin.diff if pin else ""
    return panel(context["request"].user, deviation, past=past, effect=effect)


@register.simple_tag(takes_context=True)
def note_refusal(context: dict[str, Any], deviation: Any) -> str | None:
    """Why the signed-in user may not write notes on `deviation` (None: they may)."""
    return permissions.note_refusal(context["request"].user, deviation)


@register.filter
def decided(decision: str) -> str:
    """A decision as the state it puts a deviation in: "approved", "changes requested"."""
    try:
        return ReviewState(decision).label
    except ValueError:
        return decision

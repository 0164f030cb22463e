"""Template filters of the review workflow."""

from __future__ import annotations

from django import template

from deviations.vocabulary import Decision

register = template.Library()


@register.filter
def decided(decision: str) -> str:
    """A decision as the state it puts a deviation in: "approved", "changes requested"."""
    try:
        return Decision(decision).state.label
    except ValueError:
        return decision

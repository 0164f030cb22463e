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


@register.filter
def refusal_of(refusals: dict[int, str], pk: int) -> str:
    """The four-eyes refusal of deviation `pk` in a view's `refusals`, or ""."""
    return refusals.get(pk, "") if refusals else ""

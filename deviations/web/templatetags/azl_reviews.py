"""Template filters of the review workflow."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


@register.filter
def marked_lines(lines: Iterable[tuple[str, bool]]) -> SafeString:
    """Lines of text (each ending in its newline), those marked changed in <mark>."""
    return format_html_join(
        "", "{}", ((format_html("<mark>{}</mark>", t) if changed else t,) for t, changed in lines)
    )

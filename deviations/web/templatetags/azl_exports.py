"""`{% export_url "deviations" %}`: the CSV export of what the current list page shows."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context: template.Context, dataset: str) -> str:
    """The export URL with the page's filters (its query string, less the page number)."""
    url = reverse(f"export_{dataset}")
    request = context.get("request")
    if request is None:
        return url
    params = request.GET.copy()
    params.pop("page", None)
    return f"{url}?{params.urlencode()}" if params else url

"""`{% export_url "deviations" %}`: the CSV export of what the current list page shows."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context: template.Context, dataset: str, **options: str) -> str:
    """The export URL with the page's filters (its query string, less the page number and
    size), and the file's `options` (e.g. columns="diff")."""
    url = reverse(f"export_{dataset}")
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    params.pop("page", None)
    params.pop("per_page", None)
    for key, value in options.items():
        params[key] = value
    return f"{url}?{params.urlencode()}" if params else url

"""The audit log: every event, newest first, filterable by actor, action, component, time."""

from __future__ import annotations

import difflib

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.reads import queries
from deviations.reads.filters import AuditEventFilter
from deviations.web.templatetags.azl_links import pretty_json
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET, queryset=queries.audit_list_rows())
    page = paginate(request, filterset.qs, PER_PAGE)
    context = {"section": "audit", "filter": filterset, "page": page}
    return render_page(request, "audit/list.html", context, fragments={"results": "results"})


@require_GET
def audit_event(request: HttpRequest, seq: int) -> HttpResponse:
    """One event: every field, its place in the hash chain, and what it changed."""
    event = queries.audit_event(seq)
    change = ""
    if event.before is not None and event.after is not None:
        change = "".join(
            difflib.unified_diff(
                (pretty_json(event.before) + "\n").splitlines(keepends=True),
                (pretty_json(event.after) + "\n").splitlines(keepends=True),
                "before.json",
                "after.json",
            )
        )
    context = {"section": "audit", "event": event, "change": change}
    return render_page(request, "audit/event.html", context)

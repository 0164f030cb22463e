"""The audit log: every event, newest first, filterable by actor, action, component, time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import queries
from ..filters import AuditEventFilter
from .pages import paginate, render_page

PER_PAGE = 50


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET, queryset=queries.audit_rows())
    page = paginate(request, filterset.qs, PER_PAGE)
    context = {"section": "audit", "filter": filterset, "page": page}
    return render_page(request, "audit/list.html", context, fragments={"results": "results"})

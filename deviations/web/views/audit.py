"""The audit log: every event, newest first, filterable by actor, action, component, time."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from deviations.models import AuditEvent
from deviations.reads import queries
from deviations.reads.filters import AuditEventFilter
from deviations.web.templatetags.azl_links import pretty_json
from deviations.web.views.pages import paginate, render_page

PER_PAGE = 50


# The actors that are runs of a job: their events come in bursts of hundreds.
_RUN = re.compile(r"^(?:import|sync|upstream check) #\d+$")


@dataclass
class RunEvents:
    """A run's consecutive events on a page, shown as one summary row that opens."""

    label: str
    events: list[AuditEvent] = field(default_factory=list)

    @property
    def actions(self) -> list[tuple[str, int]]:
        return Counter(e.action for e in self.events).most_common()


def group_runs(events: list[AuditEvent]) -> list[AuditEvent | RunEvents]:
    """Consecutive events of one run under one row; other events stay rows of their own."""
    rows: list[AuditEvent | RunEvents] = []
    for event in events:
        last = rows[-1] if rows else None
        if isinstance(last, RunEvents) and last.label == event.actor_label:
            last.events.append(event)
        elif _RUN.match(event.actor_label):
            rows.append(RunEvents(event.actor_label, [event]))
        else:
            rows.append(event)
    # A run with a single event here needs no group.
    return [r.events[0] if isinstance(r, RunEvents) and len(r.events) == 1 else r for r in rows]


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """`?group=runs` shows each run's events (an import's, a sync's) as one row that opens."""
    filterset = AuditEventFilter(request.GET, queryset=queries.audit_list_rows())
    page = paginate(request, filterset.qs, PER_PAGE)
    grouped = request.GET.get("group") == "runs"
    context = {
        "section": "audit",
        "filter": filterset,
        "page": page,
        "grouped": grouped,
        "rows": group_runs(list(page.object_list)) if grouped else None,
    }
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

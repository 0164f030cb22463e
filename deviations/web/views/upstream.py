"""Upstream suggestions decided by reviewers; upstream checks started by admins."""

from __future__ import annotations

import logging
import threading

from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from deviations.domain import audit, permissions
from deviations.domain.sync.service import inline_backend
from deviations.domain.upstream import tasks
from deviations.domain.upstream.check import (
    CheckAlreadyRunning,
    CheckError,
    CheckRequest,
    run_check,
)
from deviations.domain.upstream.decide import SuggestionError
from deviations.domain.upstream.decide import decide as decide_suggestion
from deviations.models import UpstreamCheck, UpstreamSuggestion
from deviations.vocabulary import (
    Origin,
    SuggestionStatus,
    UpstreamCheckStatus,
    UpstreamCheckTrigger,
)
from deviations.web.access import SignedInRequest

log = logging.getLogger(__name__)


@require_POST
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    """Accept or dismiss one open suggestion, then back to its deviation."""
    suggestion = get_object_or_404(UpstreamSuggestion.objects.select_related("deviation"), pk=pk)
    permissions.require(permissions.suggestion_refusal(request.user, suggestion.deviation))
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "dismiss"):
        messages.error(request, "Choose to accept or to dismiss the suggestion.")
    else:
        try:
            decide_suggestion(
                audit.Actor.for_user(request.user, Origin.WEB),
                suggestion.pk,
                accept=decision == "accept",
                comment=request.POST.get("comment", ""),
            )
        except SuggestionError as error:
            messages.error(request, str(error))
        else:
            done = (
                SuggestionStatus.ACCEPTED if decision == "accept" else SuggestionStatus.DISMISSED
            ).label
            messages.success(request, f"Suggestion {done}: {suggestion.get_kind_display()}.")
    return redirect(reverse("deviation", args=[suggestion.deviation_id]) + "#upstream")


def _in_background(request: CheckRequest) -> None:
    def work() -> None:
        try:
            run_check(request)
        except (CheckAlreadyRunning, CheckError):
            pass  # the page said it started; the check list shows what runs
        except Exception:
            log.exception("background upstream check failed")
        finally:
            connection.close()

    threading.Thread(target=work, name="azldrift-upstream", daemon=True).start()


@require_POST
def start_check(request: SignedInRequest) -> HttpResponse:
    """Start an upstream check: through the task workers, or (immediate backend) in a
    thread of its own, so the request returns at once either way."""
    permissions.require(
        permissions.can_check_upstream(request.user), "Only admins start upstream checks."
    )
    running = UpstreamCheck.objects.filter(status=UpstreamCheckStatus.RUNNING).first()
    if running is not None:
        messages.warning(request, f"{running} is running; one runs at a time.")
        return redirect("sync_runs")
    force = request.POST.get("force") == "on"
    if inline_backend():
        _in_background(
            CheckRequest(
                force=force, trigger=UpstreamCheckTrigger.WEB, origin=Origin.WEB, user=request.user
            )
        )
    else:
        tasks.check_upstream.enqueue(
            force=force, user_id=request.user.pk, trigger=UpstreamCheckTrigger.WEB
        )
    messages.success(request, "Upstream check started; its results appear here when it ends.")
    return redirect("sync_runs")

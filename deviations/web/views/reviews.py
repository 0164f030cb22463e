"""Review decisions on one deviation: the decision form, and what changed since the last one.

GET shows the review page (the deviation's summary, what changed since the
last decision, the form); POST records the decision.  The deviation page
embeds the same form (templates/includes/review_form.html).  Bulk approval
from the queue: `bulk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from deviations.domain import audit, notes, permissions, reviews
from deviations.models import Deviation, Review
from deviations.reads import queries
from deviations.vocabulary import Decision, Origin, ReviewState, Target
from deviations.web.access import SignedInRequest
from deviations.web.redirects import safe_next
from deviations.web.views import queue
from deviations.web.views.pages import render_page

BULK_LIMIT = 500


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False,
        max_length=reviews.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Required to request changes or reject, and to approve a deviation that fails "
            "at the pinned upstream commit."
        ),
    )
    # What the reviewer was shown: the decision is refused if it changed meanwhile.  Both
    # are required; the effect hash is empty (but present) before the first sync.
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    effect_hash = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "effect_hash" not in self.data:
            self.add_error(
                "effect_hash",
                "The effect you read is missing: decide from the deviation's page, "
                "which sends what you were shown.",
            )
        return data


@dataclass
class Panel:
    """Everything the review panel shows for one user and deviation."""

    deviation: Deviation
    since: reviews.SinceDecision | None
    can_review: bool
    approval_refusal: str | None
    note_refusal: str | None
    form: DecisionForm | None
    broken_now: bool = False  # fails at the pin: an approval needs a comment


def panel(
    user: permissions.Asker,
    deviation: Deviation,
    *,
    past: list[Review] | None = None,
    effect: str | None = None,
    form: DecisionForm | None = None,
) -> Panel:
    """The panel's data; `past` (reviews, newest first) and `effect` spare queries."""
    since = None
    if past or (past is None and deviation.review_state != ReviewState.NEEDS_REVIEW):
        since = reviews.changes_since_decision(deviation, reviews=past, effect=effect)
    can_review = permissions.review_refusal(user, deviation) is None
    refusal = permissions.approval_refusal(user, deviation) if can_review else None
    if can_review and form is None:
        # No decision is picked for the reviewer: one tap must not approve unread content.
        form = DecisionForm(
            initial={"fingerprint": deviation.fingerprint, "effect_hash": deviation.effect_hash}
        )
    return Panel(
        deviation=deviation,
        since=since,
        can_review=can_review,
        approval_refusal=refusal,
        note_refusal=permissions.note_refusal(user, deviation),
        form=form,
        broken_now=reviews.broken_now(deviation),
    )


@require_http_methods(["GET", "POST"])
def review(request: SignedInRequest, pk: int) -> HttpResponse:
    """The review page of one deviation; POST records a decision."""
    deviation = get_object_or_404(
        Deviation.objects.select_related(
            "component__sync", "current_version", "changed_commit", "introduced_commit"
        ).defer("component__sync__rendered_diff"),
        pk=pk,
    )
    form, status = None, 200
    # Opened from the queue: its query string (filters, sort), to walk the same queue.
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("queue")
    place = None if query is None else queue.position(request, query, deviation.pk)
    if request.method == "POST":
        permissions.require(permissions.review_refusal(request.user, deviation))
        form = DecisionForm(request.POST)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                reviews.decide(
                    audit.Actor.for_user(request.user, Origin.WEB),
                    deviation,
                    cleaned["decision"],
                    cleaned["comment"],
                    seen=reviews.Seen(cleaned["fingerprint"], cleaned["effect_hash"]),
                )
            except reviews.ContentChanged as error:
                form.add_error(None, str(error))
                status = 409
                deviation.refresh_from_db()
                form = _fresh_form(form, deviation)
            except reviews.ReviewError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
                status = 400
            else:
                label = Decision(cleaned["decision"]).state.label
                messages.success(request, f"Recorded: {label}. {deviation}")
                if place is None:
                    return redirect(reverse("deviation", args=[pk]) + "#review")
                return redirect(_after_decision(request, place))
        else:
            status = 400
    past = reviews.history(deviation)
    results = {r.target: r for r in deviation.results.all()}
    pin = results.get(Target.PIN)
    context = {
        "section": "reviews",
        "d": deviation,
        "past": past,
        "pin": pin,
        "tip": results.get(Target.TIP),
        "place": place,
        "panel": panel(
            request.user, deviation, past=past, effect=pin.diff if pin else "", form=form
        ),
        "notes_raw": notes.notes_of(deviation),
        "upstream": queries.upstream_panel(deviation),
        "can_decide_suggestions": permissions.suggestion_refusal(request.user, deviation) is None,
    }
    return render_page(request, "reviews/decide.html", context, status=status)


def _after_decision(request: SignedInRequest, place: queue.Position) -> str:
    """The next item of the same queue (read before the decision, while this one was in
    it); from its end, the first item still waiting; or the queue itself, filtered as it
    was, when nothing else waits in it."""
    following = place.next if place.next is not None else place.first
    if following is not None:
        return place.review_url(following)
    messages.info(request, "That was the last deviation waiting in this queue.")
    return place.queue_url


def _fresh_form(old: DecisionForm, deviation: Deviation) -> DecisionForm:
    """The same answers bound to what the deviation is now, keeping the errors shown."""
    data = {**old.data, "fingerprint": deviation.fingerprint, "effect_hash": deviation.effect_hash}
    form = DecisionForm(data)
    form.is_valid()
    for error in old.non_field_errors():
        form.add_error(None, error)
    return form


# --- bulk approval -----------------------------------------------------------------------


def _selected_ids(values: list[str]) -> list[int]:
    """The queue's `d` values: deviation ids (for the confirmation page)."""
    ids = (value.partition(":")[0] for value in values[:BULK_LIMIT])
    return list(dict.fromkeys(int(pk) for pk in ids if pk.isdigit()))


def _confirmed(values: list[str]) -> tuple[dict[int, reviews.Seen], list[str]]:
    """The confirmation page's `d` values, "<pk>:<fingerprint>:<effect hash>": what each
    deviation was confirmed as; and the values that do not say (a bare id, junk)."""
    selection: dict[int, reviews.Seen] = {}
    unconfirmed = []
    for value in values[:BULK_LIMIT]:
        pk, colon, rest = value.partition(":")
        fingerprint, colon2, effect_hash = rest.partition(":")
        if not (pk.isdigit() and colon and colon2 and fingerprint):
            unconfirmed.append(value)
            continue
        selection[int(pk)] = reviews.Seen(fingerprint, effect_hash)
    return selection, unconfirmed


@require_http_methods(["GET", "POST"])
def bulk(request: SignedInRequest) -> HttpResponse:
    """GET: the one confirmation page for a selection; POST: approve it, each on its own."""
    if request.method == "POST":
        permissions.require(
            permissions.can_review(request.user), "Only reviewers record review decisions."
        )
        values = request.POST.getlist("d")
        selection, unconfirmed = _confirmed(values)
        if unconfirmed:
            # Not from the confirmation page: approve nothing, show that page instead.
            return _confirmation(request, _selected_ids(values), status=400, error=True)
        if not selection:
            messages.error(request, "Nothing was selected.")
            return redirect("review_queue")
        try:
            outcome = reviews.approve_many(
                audit.Actor.for_user(request.user, Origin.WEB),
                selection,
                request.POST.get("comment", ""),
            )
        except reviews.ReviewError as error:
            messages.error(request, str(error))
            return redirect("review_queue")
        if outcome.approved:
            n = len(outcome.approved)
            messages.success(request, f"Approved {n} deviation{'s' if n != 1 else ''}.")
        for refused in outcome.refused:
            messages.warning(request, f"Not approved: {refused.label}: {refused.reason}")
        return redirect(safe_next(request, request.POST.get("next"), reverse("review_queue")))

    return _confirmation(request, _selected_ids(request.GET.getlist("d")))


def _confirmation(
    request: SignedInRequest, ids: list[int], *, status: int = 200, error: bool = False
) -> HttpResponse:
    """The confirmation page: each selected deviation and whether it would be approved."""
    data = request.POST if request.method == "POST" else request.GET
    rows = reviews.bulk_preview(request.user, ids)
    approvable = [d for d, reason in rows if reason is None]
    context = {
        "section": "reviews",
        "rows": rows,
        "failures": reviews.failures_at_pin(d.pk for d, _ in rows),
        "approvable": approvable,
        # Broken now: approved only with the comment below (the domain refuses them without).
        "need_comment": [d for d in approvable if reviews.broken_now(d)],
        "can_review": permissions.can_review(request.user),
        "next": safe_next(request, data.get("next"), reverse("review_queue")),
        "truncated": len(data.getlist("d")) > BULK_LIMIT,
        "limit": BULK_LIMIT,
        "unconfirmed": error,
    }
    return render_page(request, "reviews/bulk.html", context, status=status)

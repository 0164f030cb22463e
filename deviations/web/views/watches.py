"""Watch a component or a filter of the deviation list, and stop: a button on their pages.

The button is a form that works without JavaScript (POST, then back to the page it was
on); with htmx it swaps itself for its new state (includes/watch_button.html).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from deviations.domain import audit, watches
from deviations.models import Component, Watch
from deviations.reads.filters import DeviationFilter
from deviations.vocabulary import Origin, WatchKind
from deviations.web.access import SignedInRequest


class WatchForm(forms.Form):
    kind = forms.ChoiceField(choices=WatchKind.choices)
    component = forms.CharField(required=False, max_length=255)
    query = forms.CharField(required=False, max_length=watches.MAX_QUERY)
    name = forms.CharField(required=False, max_length=200)
    next = forms.CharField(required=False, max_length=2000)


def _back(request: SignedInRequest, wanted: str) -> str:
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("mine")


def _answer(request: SignedInRequest, watch: Watch | None, target: dict[str, str], back: str):
    """The button in its new state (htmx), or back to the page (a plain form post)."""
    if request.headers.get("HX-Request") == "true":
        context = {"watch": watch, **target, "next": back}
        return render(request, "includes/watch_button.html", context)
    return redirect(back)


@require_POST
def add(request: SignedInRequest) -> HttpResponse:
    form = WatchForm(request.POST)
    if not form.is_valid():
        return HttpResponse("That is not something to watch.", status=400)
    data = form.cleaned_data
    actor = audit.Actor.for_user(request.user, Origin.WEB)
    back = _back(request, data["next"])
    if data["kind"] == WatchKind.COMPONENT:
        component = get_object_or_404(Component, name=data["component"])
        watch, made = watches.watch_component(actor, request.user, component)
        target = {"kind": WatchKind.COMPONENT.value, "component": component.name}
    else:
        filterset = DeviationFilter(QueryDict(data["query"]))
        if not filterset.is_valid():
            return HttpResponse("That filter is not one the deviation list knows.", status=400)
        watch, made = watches.watch_filter(actor, request.user, data["query"], data["name"])
        target = {"kind": WatchKind.FILTER.value, "query": watch.query}
    if made:
        messages.success(request, f"You watch {watch}.")
    return _answer(request, watch, target, back)


@require_POST
def remove(request: SignedInRequest, pk: int) -> HttpResponse:
    # Someone else's watch is not there, for this user.
    watch = get_object_or_404(Watch.objects.select_related("component"), pk=pk, user=request.user)
    target = (
        {"kind": WatchKind.COMPONENT.value, "component": watch.component.name}
        if watch.component is not None
        else {"kind": WatchKind.FILTER.value, "query": watch.query}
    )
    watches.unwatch(audit.Actor.for_user(request.user, Origin.WEB), watch)
    messages.success(request, f"You no longer watch {watch}.")
    return _answer(request, None, target, _back(request, request.POST.get("next", "")))

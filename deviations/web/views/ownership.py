"""Owners, due dates and acknowledgements on the pages: the forms of a deviation's and a
component's page (POST, then back to the page with a message saying what happened or what
was wrong; no JavaScript needed), and the overdue queue.

Who may: reviewers and admins (deviations.domain.permissions, the same question the API
asks); a refusal answers 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deviations.domain import audit, ownership, permissions
from deviations.models import Acknowledgement, Component, Deviation, UpstreamSuggestion
from deviations.reads import ownership as reads
from deviations.vocabulary import AcknowledgedSubject, Origin
from deviations.web.access import SignedInRequest
from deviations.web.converters import component_url
from deviations.web.views.pages import render_page


class OwnershipForm(forms.Form):
    owner = forms.CharField(required=False, max_length=150, label="Owner")
    due_date = forms.DateField(required=False, label="Due date")


class AcknowledgementForm(forms.Form):
    subject = forms.ChoiceField(choices=AcknowledgedSubject.choices, label="What")
    reason = forms.CharField(max_length=ownership.MAX_REASON, label="Why")
    expires_on = forms.DateField(label="Until")
    suggestion = forms.IntegerField(required=False, label="Suggestion")


def _back(target: Deviation | Component) -> str:
    if isinstance(target, Deviation):
        return reverse("deviation", args=[target.pk]) + "#ownership"
    return component_url(target.name) + "#ownership"


def _actor(request: SignedInRequest) -> audit.Actor:
    return audit.Actor.for_user(request.user, Origin.WEB)


def _errors(form: forms.Form) -> str:
    return " ".join(
        f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()
    )


def _set(request: SignedInRequest, target: Deviation | Component) -> HttpResponseRedirect:
    permissions.require(permissions.ownership_refusal(request.user, target))
    form = OwnershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing changed. {_errors(form)}")
        return redirect(_back(target))
    name = form.cleaned_data["owner"].strip()
    user = None
    if name:
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            messages.error(request, f"Nothing changed: there is no active account {name!r}.")
            return redirect(_back(target))
    changed = [
        what
        for what, did in (
            ("owner", ownership.set_owner(_actor(request), target, user)),
            (
                "due date",
                ownership.set_due_date(_actor(request), target, form.cleaned_data["due_date"]),
            ),
        )
        if did
    ]
    messages.success(request, f"Saved the {' and '.join(changed)}." if changed else "Unchanged.")
    return redirect(_back(target))


def _acknowledge(request: SignedInRequest, target: Deviation | Component) -> HttpResponseRedirect:
    permissions.require(permissions.acknowledgement_refusal(request.user, target))
    form = AcknowledgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not acknowledged. {_errors(form)}")
        return redirect(_back(target))
    data = form.cleaned_data
    suggestion = None
    if data["suggestion"] is not None:
        suggestion = UpstreamSuggestion.objects.filter(pk=data["suggestion"]).first()
    try:
        ack = ownership.acknowledge(
            _actor(request),
            data["subject"],
            target,
            reason=data["reason"],
            expires_on=data["expires_on"],
            suggestion=suggestion,
        )
    except ownership.OwnershipError as error:
        messages.error(request, f"Not acknowledged: {error}")
    else:
        messages.success(
            request,
            f"Acknowledged ({AcknowledgedSubject(ack.subject).label}) until "
            f"{ack.expires_on:%Y-%m-%d}.",
        )
    return redirect(_back(target))


@require_POST
def deviation_ownership(request: SignedInRequest, pk: int) -> HttpResponse:
    return _set(request, get_object_or_404(Deviation.objects.select_related("component"), pk=pk))


@require_POST
def component_ownership(request: SignedInRequest, pk: int) -> HttpResponse:
    return _set(request, get_object_or_404(Component, pk=pk))


@require_POST
def deviation_acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Deviation.objects.select_related("component"), pk=pk)
    return _acknowledge(request, target)


@require_POST
def component_acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    return _acknowledge(request, get_object_or_404(Component, pk=pk))


@require_POST
def withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    ack = get_object_or_404(Acknowledgement.objects.select_related("component", "deviation"), pk=pk)
    target: Deviation | Component = ack.deviation if ack.deviation is not None else ack.component
    if ownership.withdraw(_actor(request), ack):
        messages.success(request, "Acknowledgement withdrawn: the item needs attention again.")
    else:
        messages.info(request, "That acknowledgement had ended already.")
    return redirect(_back(target))


@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """The overdue queue: deviations and components past their due date, oldest due first
    (one owner's with ?owner=NAME), the temporary workarounds with no due date, and
    overdue counts per owner."""
    name = request.GET.get("owner", "").strip()
    deviations = reads.overdue_deviations()
    components = reads.overdue_components()
    if name:
        deviations = deviations.filter(owner__name=name)
        components = components.filter(owner__name=name)
    context = {
        "section": "overdue",
        "owner_name": name,
        "overdue_deviations": list(deviations[:500]),
        "overdue_components": list(components[:500]),
        "no_expiry": list(reads.no_expiry_deviations()[:500]),
        "by_owner": reads.overdue_by_owner(),
        "today": reads.today(),
    }
    return render_page(request, "ownership/overdue.html", context)

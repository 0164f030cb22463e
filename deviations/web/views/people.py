"""People: who holds which role, and the git identities four eyes relies on.

Everyone sees their own roles and identities.  Admins see everyone and link
or unlink identities and set roles here (each change an audit event, through
deviations.domain.people).  Identities are linked by admins only, never by the
person they belong to: a user who could unlink their own could approve their own
deviations.  Each refusal of such a change is itself an audit event.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from deviations.domain import audit, people, permissions
from deviations.models import GitIdentity
from deviations.vocabulary import Origin
from deviations.web.access import SignedInRequest
from deviations.web.views.pages import render_page


class LinkForm(forms.Form):
    # Evaluated anew for each form (ModelChoiceField copies its queryset per instance).
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username")
    )
    email = forms.CharField(required=False, max_length=255, label="E-mail")
    name = forms.CharField(required=False, max_length=255, label="Name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            data["email"], data["name"] = people.clean_identity(
                data.get("email", ""), data.get("name", "")
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return data


def _actor(request: SignedInRequest) -> audit.Actor:
    return audit.Actor.for_user(request.user, Origin.WEB)


def _page(
    request: SignedInRequest, form: LinkForm | None = None, status: int = 200
) -> HttpResponse:
    manager = permissions.can_manage_users(request.user)
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    if not manager:
        users = users.filter(pk=request.user.pk)
    identities: dict[int, list[GitIdentity]] = {}
    for identity in GitIdentity.objects.filter(user__in=users).order_by("email", "name"):
        identities.setdefault(identity.user_id, []).append(identity)
    rows = [
        {
            "user": user,
            "roles": sorted(g.name for g in user.groups.all() if g.name in permissions.ROLES),
            "identities": identities.get(user.pk, []),
        }
        for user in users
    ]
    context = {
        "section": "people",
        "rows": rows,
        "manager": manager,
        "roles": [(name, permissions.ROLE_DESCRIPTIONS[name]) for name in permissions.ROLES],
        "form": form or (LinkForm() if manager else None),
    }
    return render_page(request, "people/list.html", context, status=status)


@require_GET
def people_list(request: SignedInRequest) -> HttpResponse:
    return _page(request)


def _require_manager(request: SignedInRequest) -> None:
    permissions.require(
        permissions.can_manage_users(request.user), "Only admins manage roles and identities."
    )


@require_POST
def link(request: SignedInRequest) -> HttpResponse:
    _require_manager(request)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            identity = people.link_identity(
                _actor(request),
                form.cleaned_data["user"],
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Linked {identity} to {identity.user.get_username()}.")
            return redirect("people")
    return _page(request, form, status=400)


@require_POST
def unlink(request: SignedInRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    identity = get_object_or_404(GitIdentity.objects.select_related("user"), pk=pk)
    people.unlink_identity(_actor(request), identity)
    messages.success(request, f"Unlinked {identity} from {identity.user.get_username()}.")
    return redirect("people")


@require_POST
def set_roles(request: SignedInRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    wanted = [r for r in request.POST.getlist("roles") if r in permissions.ROLES]
    # Nobody changes their own roles, only superusers an admin's (refused with 403 and
    # recorded by the domain, deviations.domain.permissions.account_change_refusal).
    changed = people.set_roles(_actor(request), user, wanted)
    messages.success(
        request,
        f"{user.get_username()}: roles {', '.join(wanted) or '(none)'}."
        if changed
        else "Nothing changed.",
    )
    return redirect("people")

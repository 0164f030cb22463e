"""The API token page: see whether you have a token, get a new one (password asked again).

A key is shown once, right after it is made; afterwards only its creation
time.  Asking for your password again means a forgotten open session cannot
be turned into a long-lived credential.  The password is checked through
`authenticate()`, like a login, so wrong guesses here count towards the
same lockout (deviations.web.throttle) and a locked-out account gets no token.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from deviations.domain import audit, tokens
from deviations.vocabulary import Origin
from deviations.web.access import SignedInRequest
from deviations.web.views.pages import render_page


class TokenForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password",
        help_text="Asked again before a new API credential is made.",
    )


def _password_ok(request: SignedInRequest, password: str) -> bool:
    user = authenticate(request, username=request.user.get_username(), password=password)
    return user is not None and user.pk == request.user.pk


@require_http_methods(["GET", "POST"])
def api_token(request: SignedInRequest) -> HttpResponse:
    form, key, status = TokenForm(), None, 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid() and _password_ok(request, form.cleaned_data["password"]):
            token = tokens.issue(audit.Actor.for_user(request.user, Origin.WEB), request.user)
            key, form = token.key, TokenForm()
        else:
            if form.is_valid():
                form.add_error("password", "That is not your password.")
            status = 400
    context = {"section": "api", "form": form, "key": key, "token": tokens.current(request.user)}
    return render_page(request, "api/token.html", context, status=status)

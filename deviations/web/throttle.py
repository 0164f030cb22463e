"""Login throttling with django-axes: the handler, the client address and the lockout page.

Every password check goes through `django.contrib.auth.authenticate(request, ...)`
(the login page, the admin's login, the API token page), so axes sees each one:
its backend refuses a locked-out username or address before the password is
even checked, and its handler counts each failure.

Why the lockout event is written here, in axes' handler, and not by the login
view: the attempt that crosses the limit is written by this handler inside
`authenticate()`, before any view code runs again, and the view cannot tell a
new lockout from a refusal of one already in force.  Wrapping the handler's
write in one transaction with `logins.record_lockout` makes the lockout and its
event exist together (or neither, if either fails), and the admin's login,
which is Django's own view, is covered without touching it.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from deviations.domain import audit, logins
from deviations.models import Origin


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind our reverse proxy (BEHIND_PROXY), the address that
    proxy saw (the last X-Forwarded-For entry, the one it appended; earlier entries are
    the client's own say); otherwise the connection's."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:45]
    return str(request.META.get("REMOTE_ADDR") or "")


def _actor(request: HttpRequest) -> audit.Actor:
    origin = Origin.ADMIN if request.path.startswith("/admin/") else Origin.WEB
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:  # the token page's password check
        return audit.Actor.for_user(user, origin)
    return audit.Actor(
        label=f"login from {client_ip(request) or 'an unknown address'}"[:255], origin=origin
    )


class AuditedAxesHandler(AxesDatabaseHandler):
    """axes' database handler, with the start of a lockout on the audit trail."""

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            super().user_login_failed(sender, credentials, request=request, **kwargs)
            return
        # Set by axes' backend when it refused a username or address already locked out.
        already_locked = bool(getattr(request, "axes_locked_out", False))
        with transaction.atomic():
            super().user_login_failed(sender, credentials, request=request, **kwargs)
            if getattr(request, "axes_locked_out", False) and not already_locked:
                logins.record_lockout(
                    _actor(request),
                    username=get_client_username(request, credentials),
                    ip_address=getattr(request, "axes_ip_address", None),
                    path=request.path,
                )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """429 with a page that says what happened, for how long, and who can lift it."""
    context = {
        "limit": settings.LOGIN_FAILURE_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "registration/locked.html", context, status=429)

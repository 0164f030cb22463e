"""Reading needs a role: the one gate in front of every view (a middleware).

Logging in is not enough: an account with no role (viewer, reviewer or
admin; `permissions.can_view`) reads nothing and gets a 403 page that says
so.  Why a middleware rather than a decorator on each view: a view added
later is gated without anyone remembering to, and the every-URL walk in
tests/views/test_reviews_permissions.py checks the whole URL map.

What it lets through:
- views marked `login_not_required` that are not API views (health, login):
  public, so a role-less account may see them too;
- views marked `role_not_required` (logout: a role-less user must be able to
  leave);
- API views (Django REST framework): tokens authenticate inside the view, after
  this middleware has run, so DRF answers for itself with its default
  permission class `CanView` (401 without credentials, 403 without a role).
  The middleware insists the view carries `CanView`; one that replaced it
  fails loudly instead of opening a hole.

Everything else (pages, CSV downloads, the Django admin) needs a role.
Refusals that depend on more than a role (review, notes, sync, people) stay in
`deviations.domain.permissions`, asked by the views and the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from rest_framework.views import APIView

from deviations.domain import permissions
from deviations.web.roles import CanView


class SignedInRequest(HttpRequest):
    """The request of a view that needs a login: LoginRequiredMiddleware has sent anyone
    anonymous to the login page, so its user is a real account (what views annotate)."""

    user: User


def role_not_required[V: Callable[..., HttpResponse]](view: V) -> V:
    """Mark a view a logged-in user without a role may use (like `login_not_required`)."""
    # A mark on the view function, as Django's login_not_required sets its own; a typed
    # Callable has no such attribute, hence setattr.
    setattr(view, "role_required", False)  # noqa: B010
    return view


def _api_view(view: Callable) -> type[APIView] | None:
    cls = getattr(view, "cls", None)
    return cls if isinstance(cls, type) and issubclass(cls, APIView) else None


def _require_can_view(cls: type[APIView], view: Callable) -> None:
    initkwargs = getattr(view, "initkwargs", {}) or {}
    classes = initkwargs.get("permission_classes", cls.permission_classes)
    if not any(isinstance(p, type) and issubclass(p, CanView) for p in classes):
        raise ImproperlyConfigured(
            f"API view {cls.__module__}.{cls.__qualname__} must keep CanView among its "
            "permission classes (reading needs a role)"
        )


def no_role_page(request: HttpRequest) -> HttpResponse:
    """403: the account exists but holds no role yet."""
    context = {"no_role": True, "roles": permissions.ROLE_DESCRIPTIONS}
    return render(request, "no_role.html", context, status=403)


class RoleRequiredMiddleware(MiddlewareMixin):
    """Refuse every view but the public ones to a user without a role.

    Goes after LoginRequiredMiddleware, so an anonymous user has already been
    sent to the login page from any view that needs a login.
    """

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view, "role_required", True) is False:
            return None
        api_view = _api_view(view)
        if api_view is not None:
            _require_can_view(api_view, view)
            return None
        if getattr(view, "login_required", True) is False:
            return None
        if permissions.can_view(request.user):
            return None
        return no_role_page(request)

"""The API's read permission, DRF's default for every API view (settings.REST_FRAMEWORK).

Its own module, importing no DRF view: DRF resolves its default permission
classes while `rest_framework.views` is still being imported.
"""

from __future__ import annotations

from rest_framework import permissions

from deviations.domain import permissions as rules


class CanView(permissions.BasePermission):
    """Holds a role (viewer, reviewer or admin): reads everything."""

    message = "You have no role in azldrift; ask an admin for the viewer role."

    def has_permission(self, request, view) -> bool:
        return rules.can_view(request.user)

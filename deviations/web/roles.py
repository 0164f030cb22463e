"""Reading needs a role, as DRF asks it: the default permission of every API view.

settings.REST_FRAMEWORK names `CanView`; the role middleware (web.access) checks
that no API view drops it.  Its own module, below both the middleware and the API,
importing no DRF view: DRF resolves its default permission classes while
`rest_framework.views` is still being imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

from deviations.domain import permissions as rules

if TYPE_CHECKING:  # not at run time: see above
    from rest_framework.request import Request
    from rest_framework.views import APIView


class CanView(permissions.BasePermission):
    """Holds a role (viewer, reviewer or admin): reads everything."""

    message = "You have no role in azldrift; ask an admin for the viewer role."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return rules.can_view(request.user)

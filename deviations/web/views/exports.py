"""CSV downloads from the list pages: `/exports/<dataset>.csv?<the page's filters>`.

Each list page (components, deviations, review queue, audit log) links here
with its own query string, so the file holds exactly the rows the page
shows (deviations.reads.exports selects them with the page's FilterSet).
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, HttpResponseBase
from django.urls import path
from django.views.decorators.http import require_GET

from deviations.domain import audit, permissions
from deviations.reads import exports
from deviations.reads.exports import changes
from deviations.vocabulary import Origin
from deviations.web.access import SignedInRequest


@require_GET
def export(request: SignedInRequest, dataset: str) -> HttpResponseBase:
    permissions.require(permissions.can_export(request.user), "You may not export the record.")
    try:
        return exports.response(
            audit.Actor.for_user(request.user, Origin.WEB), dataset, request.GET
        )
    except exports.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@require_GET
def export_changes(request: SignedInRequest) -> HttpResponseBase:
    """`/exports/changes.csv?from=A&to=B`: what the changes page shows, as CSV."""
    permissions.require(permissions.can_export(request.user), "You may not export the record.")
    try:
        return changes.response(audit.Actor.for_user(request.user, Origin.WEB), request.GET)
    except exports.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


# One route per dataset, named `export_<dataset>` (e.g. /exports/deviations.csv).
urlpatterns = [
    *(
        path(f"exports/{name}.csv", export, {"dataset": name}, name=f"export_{name}")
        for name in exports.DATASETS
    ),
    path("exports/changes.csv", export_changes, name="export_changes"),
]

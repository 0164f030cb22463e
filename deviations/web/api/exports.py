"""CSV exports for API clients: `GET /api/exports/{dataset}.csv?<filters>` (token or session).

The same files as the list pages' export links (deviations.reads.exports), audited
with origin "api".
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from deviations.domain import permissions
from deviations.reads import exports
from deviations.web.api.base import actor_for


class CsvRenderer(BaseRenderer):
    """Lets clients ask for text/csv; the file itself is streamed, errors come as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class ExportView(APIView):
    dataset = ""
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="the CSV file"),
            400: OpenApiResponse(description="invalid filters (field errors)"),
        },
        summary="Download a CSV export (the list page's filters apply)",
    )
    def get(self, request):
        permissions.require(permissions.can_export(request.user), "You may not export.")
        try:
            return exports.response(actor_for(request), self.dataset, request.query_params)
        except exports.ExportError as error:
            raise ValidationError(error.errors or {"non_field_errors": [str(error)]}) from None


def _view(name: str):
    ds = exports.DATASETS[name]
    view = type(
        f"{name.title()}ExportView",
        (ExportView,),
        {"dataset": name, "filterset_class": ds.filterset, "__doc__": f"{ds.title} as CSV."},
    )
    return view.as_view()


urlpatterns = [
    path(f"exports/{name}.csv", _view(name), name=f"export-{name}") for name in exports.DATASETS
]

"""CSV exports for API clients: `GET /api/exports/{dataset}.csv?<filters>` (token or session).

The same files as the list pages' export links (deviations.reads.exports), audited
with origin "api".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deviations.domain import permissions
from deviations.reads import exports
from deviations.web.api.base import actor_for
from deviations.web.api.schema import ApiSchema

if TYPE_CHECKING:
    from rest_framework.views import AsView, GenericView


class CsvRenderer(BaseRenderer):
    """Lets clients ask for text/csv (`Accept`, `?format=csv`); the file itself is streamed,
    and errors are JSON (ExportView.finalize_response), so this renders nothing of its own."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class ExportSchema(ApiSchema):
    """An export is its list as a file: the list's filters (`sort` too) are its parameters."""

    def get_filter_backends(self) -> list[type]:
        return [DjangoFilterBackend]


class ExportView(APIView):
    dataset = ""
    renderer_classes = [JSONRenderer, CsvRenderer]
    schema = ExportSchema()
    # For the schema only (the filters' model); the export reads its dataset's own query.
    queryset: QuerySet | None = None

    def get(self, request: Request) -> HttpResponseBase:
        permissions.require(permissions.can_export(request.user), "You may not export.")
        try:
            return exports.response(actor_for(request), self.dataset, request.query_params)
        except exports.ExportError as error:
            raise ValidationError(error.errors or {"non_field_errors": [str(error)]}) from None

    # DRF finalizes any HttpResponseBase (the file is a stream); its stubs say Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # Errors (a Response; the file is a StreamingHttpResponse) are JSON, as everywhere
        # under /api/, even to a client that asked for CSV.
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]


def _options(ds: exports.Dataset) -> list[OpenApiParameter]:
    """The file's options beside the list's filters: a byte-order mark, opt-in columns."""
    options = [
        OpenApiParameter(
            "bom", str, enum=["1"], description="1: start the file with UTF-8's byte-order mark"
        )
    ]
    if ds.extras:
        options.append(
            OpenApiParameter(
                "columns",
                str,
                enum=sorted(ds.extras),
                description="opt-in columns at the end (diff: each overlay's diff at the pin)",
            )
        )
    return options


def _view(name: str) -> AsView[GenericView]:
    ds = exports.DATASETS[name]

    class View(ExportView):
        __doc__ = f"{ds.title} as CSV."
        dataset = name
        filterset_class = ds.filterset
        queryset = ds.base().none()

        @extend_schema(
            parameters=_options(ds),
            responses={
                (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="the CSV file"),
                400: OpenApiResponse(description="invalid filters or options (field errors)"),
            },
            summary="Download a CSV export (the list page's filters apply)",
        )
        def get(self, request: Request) -> HttpResponseBase:
            return super().get(request)

    View.__name__ = View.__qualname__ = f"{name.title()}ExportView"
    return View.as_view()


urlpatterns = [
    path(f"exports/{name}.csv", _view(name), name=f"export-{name}") for name in exports.DATASETS
]

"""What every API view shares: authentication, the read permission, paging, errors.

- Authentication: a per-user token (`Authorization: Token <key>`) or the
  browser session (with its CSRF check on writes).  Token comes first so an
  unauthenticated request gets 401 with `WWW-Authenticate: Token`.
- The project's LoginRequiredMiddleware would redirect API clients to the
  login page; API views are exempt from it and DRF answers for itself.
- Reading needs a role (`permissions.can_view`); a user without one gets 403.
  `CanView` is DRF's default permission class (settings.REST_FRAMEWORK), and
  deviations.web.access refuses any API view that drops it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import pagination, serializers, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import APIView

from deviations.domain import audit
from deviations.models import Deviation, Origin
from deviations.web.api.schema import ApiSchema

AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class Pages(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(APIException):
    status_code = 409
    default_detail = "The record changed meanwhile."
    default_code = "conflict"


def object_id(value: Any) -> int:
    """A primary key from the URL; one beyond the database's range is simply not found."""
    number = int(value)
    if not 0 < number < 2**63:
        raise Http404("no such record")
    return number


def deviation_or_404(pk: Any) -> Deviation:
    """The deviation a write is about, with its component; 404 if there is none."""
    return get_object_or_404(Deviation.objects.select_related("component"), pk=object_id(pk))


def validated(input_class: type[serializers.Serializer], request) -> dict[str, Any]:
    """The request's body checked by `input_class`: its data, or 400 with field errors."""
    form = input_class(data=request.data)
    form.is_valid(raise_exception=True)
    return form.validated_data


def write_schema(
    request: type[serializers.Serializer],
    created: Any,
    *,
    refused: str,
    missing: str,
    invalid: str = "invalid input (field errors)",
    conflict: str = "",
):
    """The OpenAPI description of a write that creates: 201 with `created`, or why not."""
    responses = {
        201: created,
        400: OpenApiResponse(description=invalid),
        403: OpenApiResponse(description=refused),
        404: OpenApiResponse(description=missing),
    }
    if conflict:
        responses[409] = OpenApiResponse(description=conflict)
    return extend_schema(request=request, responses=responses)


def field_error(message: str, field: str | None) -> ValidationError:
    """400 with the message under the field at fault (or `non_field_errors`)."""
    return ValidationError({field or "non_field_errors": [message]})


def actor_for(request) -> audit.Actor:
    """The request's user as the actor of a change made through the API."""
    return audit.Actor.for_user(request.user, Origin.API)


class _NoLoginRedirect:
    """API views answer 401 themselves instead of the login-page redirect.

    (DRF's own `as_view` does this too on recent versions; kept explicit so it
    never depends on that.)
    """

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any):
        return login_not_required(super().as_view(*args, **kwargs))


class ApiView(_NoLoginRedirect, APIView):
    schema = ApiSchema()
    authentication_classes = AUTHENTICATION


class ReadViewSet(_NoLoginRedirect, viewsets.ReadOnlyModelViewSet):
    schema = ApiSchema()
    authentication_classes = AUTHENTICATION
    pagination_class = Pages

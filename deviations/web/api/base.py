"""What the API's views share beyond settings.REST_FRAMEWORK: reading records, writing, errors.

settings.REST_FRAMEWORK holds the rest, for every API view alike:
- authentication: a per-user token (`Authorization: Token <key>`) or the browser
  session (with its CSRF check on writes).  Token comes first so an
  unauthenticated request gets 401 with `WWW-Authenticate: Token`;
- the read permission `CanView` (reading needs a role: 403 without one);
  deviations.web.access refuses any API view that drops it;
- filtering and ordering through the list pages' FilterSets (django-filter);
- paging (`page`, `page_size` up to 500: deviations.web.api.paging);
- the schema class documenting the error answers (deviations.web.api.schema).

DRF exempts its views from the project's LoginRequiredMiddleware (which would
redirect API clients to the login page) and answers 401 itself; tests/api pins it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import APIException, NotAuthenticated, ValidationError
from rest_framework.request import Request

from deviations.domain import audit
from deviations.vocabulary import Origin

# Every answer carries `created_at`; its model default (now) would otherwise make the
# schema call it optional.  For the read serializers' `Meta.extra_kwargs`.
CREATED_AT_ANSWERED = {"created_at": {"required": True}}


class ReadViewSet(viewsets.ReadOnlyModelViewSet):
    """A list filtered by its FilterSet, and each record at its own URL.

    A record's URL finds it whatever the list's filters would hide (a removed
    component or deviation, say); query parameters do not apply to it.
    """

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset if self.detail else super().filter_queryset(queryset)


class Conflict(APIException):
    status_code = 409
    default_detail = "The record changed meanwhile."
    default_code = "conflict"


def write_schema(
    request: type[serializers.Serializer],
    created: Any,
    *,
    refused: str,
    missing: str,
    invalid: str = "invalid input (field errors)",
    conflict: str = "",
    **kwargs: Any,
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
    return extend_schema(request=request, responses=responses, **kwargs)


def field_error(message: str, field: str | None) -> ValidationError:
    """400 with the message under the field at fault (or `non_field_errors`)."""
    return ValidationError({field or "non_field_errors": [message]})


def actor_for(request: Request) -> audit.Actor:
    """The request's user as the actor of a change made through the API."""
    user = request.user
    if not isinstance(user, User):  # CanView lets only signed-in users this far
        raise NotAuthenticated()
    return audit.Actor.for_user(user, Origin.API)

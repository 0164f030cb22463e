"""deviations.web.access: the one gate that makes reading need a role."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from deviations.domain.permissions import VIEWER
from deviations.web.access import RoleRequiredMiddleware, role_not_required
from deviations.web.api.deviations import DeviationViewSet
from deviations.web.roles import CanView
from tests import factories

pytestmark = pytest.mark.django_db


def page(request):
    return HttpResponse("read")


def gate(user, view):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return RoleRequiredMiddleware(lambda r: HttpResponse()).process_view(request, view, (), {})


def test_a_page_needs_a_role():
    refused = gate(factories.make_user("nora"), page)
    assert refused.status_code == 403
    assert "has no role in azldrift; ask an admin" in refused.content.decode()
    assert gate(factories.make_user("vera", roles=[VIEWER]), page) is None


def test_a_view_marked_role_not_required_is_open_to_a_user_without_a_role():
    assert (
        gate(factories.make_user("nora"), role_not_required(lambda request: HttpResponse())) is None
    )


def test_api_views_are_left_to_drf_which_applies_can_view_by_default():
    class Reads(APIView):
        pass

    assert Reads.permission_classes == [CanView]
    assert DeviationViewSet.permission_classes == [CanView]
    assert gate(factories.make_user("nora"), Reads.as_view()) is None  # DRF answers 403 itself


def test_an_api_view_that_drops_can_view_is_refused_loudly():
    class Open(APIView):
        permission_classes = [AllowAny]

    vera = factories.make_user("vera", roles=[VIEWER])
    with pytest.raises(ImproperlyConfigured, match="must keep CanView"):
        gate(vera, Open.as_view())
    with pytest.raises(ImproperlyConfigured, match="must keep CanView"):
        gate(vera, APIView.as_view(permission_classes=[AllowAny]))

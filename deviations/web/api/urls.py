"""`/api/...`: the routes of the REST API, its schema and its documentation page.

Hand-written (not a router) so every route has a plain name and `path()`
converters, like the pages' URLs.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deviations.web.api.audit import AuditEventViewSet
from deviations.web.api.base import AUTHENTICATION, _NoLoginRedirect
from deviations.web.api.components import ComponentViewSet, DriftViewSet
from deviations.web.api.deviations import DeviationViewSet
from deviations.web.api.exports import urlpatterns as export_urls
from deviations.web.api.notes import DeviationNotesView, NoteVersionsView
from deviations.web.api.reviews import DecisionView, ReviewViewSet
from deviations.web.api.sync import SyncRunViewSet
from deviations.web.roles import CanView

LIST, DETAIL = {"get": "list"}, {"get": "retrieve"}


class SchemaView(_NoLoginRedirect, SpectacularAPIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [CanView]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files (drf-spectacular-sidecar), no inline script or style.

    A browser page: without a session, the login page (LoginRequiredMiddleware).
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [CanView]
    template_name = "api/swagger_ui.html"
    url_name = "api_schema"


urlpatterns = [
    path("components/", ComponentViewSet.as_view(LIST), name="api_components"),
    path("components/<str:name>/", ComponentViewSet.as_view(DETAIL), name="api_component"),
    path("drift/", DriftViewSet.as_view(LIST), name="api_drift"),
    path("drift/<str:name>/", DriftViewSet.as_view(DETAIL), name="api_component_drift"),
    path("deviations/", DeviationViewSet.as_view(LIST), name="api_deviations"),
    path("deviations/<int:pk>/", DeviationViewSet.as_view(DETAIL), name="api_deviation"),
    path("deviations/<int:pk>/reviews/", DecisionView.as_view(), name="api_deviation_decide"),
    path("deviations/<int:pk>/notes/", DeviationNotesView.as_view(), name="api_deviation_notes"),
    path("notes/<int:pk>/versions/", NoteVersionsView.as_view(), name="api_note_versions"),
    path("reviews/", ReviewViewSet.as_view(LIST), name="api_reviews"),
    path("reviews/<int:pk>/", ReviewViewSet.as_view(DETAIL), name="api_review"),
    path(
        "sync-runs/",
        SyncRunViewSet.as_view({"get": "list", "post": "create"}),
        name="api_sync_runs",
    ),
    path("sync-runs/<int:pk>/", SyncRunViewSet.as_view(DETAIL), name="api_sync_run"),
    path("audit-events/", AuditEventViewSet.as_view(LIST), name="api_audit_events"),
    path("audit-events/<int:pk>/", AuditEventViewSet.as_view(DETAIL), name="api_audit_event"),
    *export_urls,
    path("schema/", SchemaView.as_view(), name="api_schema"),
    # DRF exempts its views from LoginRequiredMiddleware; a page should send people to log in.
    path("docs/", login_required(DocsView.as_view()), name="api_docs"),
]

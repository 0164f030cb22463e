"""`/api/...`: the routes of the REST API, its schema and its documentation page.

A router makes the resources' routes from their viewsets (list, detail, and
actions such as `deviations/{id}/reviews/`), with `path()` converters like the
pages' URLs.  Names are the router's, in the `api` namespace:
`api:deviation-list`, `api:deviation-detail`, `api:deviation-decide`, ...
The CSV exports, the schema and the docs page are single views.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from deviations.web import converters  # noqa: F401 - registers <component_name:...>
from deviations.web.api.audit import AuditEventViewSet
from deviations.web.api.components import ComponentViewSet, DriftViewSet
from deviations.web.api.deviations import DeviationViewSet
from deviations.web.api.exports import urlpatterns as export_urls
from deviations.web.api.history import ChangesView
from deviations.web.api.notes import NoteViewSet
from deviations.web.api.ownership import AcknowledgementViewSet
from deviations.web.api.reviews import ReviewViewSet
from deviations.web.api.sync import SyncRunViewSet

app_name = "api"

# SimpleRouter: no API root view at /api/ (it stays a JSON 404), no format suffixes.
router = SimpleRouter(use_regex_path=False)
router.register("components", ComponentViewSet, basename="component")
router.register("drift", DriftViewSet, basename="drift")
router.register("deviations", DeviationViewSet, basename="deviation")
router.register("notes", NoteViewSet, basename="note")
router.register("reviews", ReviewViewSet, basename="review")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")

# Swagger UI from our own static files (drf-spectacular-sidecar), no inline script or style.
docs = SpectacularSwaggerSplitView.as_view(
    template_name="api/swagger_ui.html", url_name="api:schema"
)

urlpatterns = [
    *router.urls,
    *export_urls,
    path("changes/", ChangesView.as_view(), name="changes"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # DRF exempts its views from LoginRequiredMiddleware; a page should send people to log in.
    path("docs/", login_required(docs), name="docs"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from deviations.views import (
    audit,
    commit,
    component,
    components,
    deviation,
    deviations,
    health,
    overview,
    sync,
)

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("components/", components.component_list, name="components"),
    path("components/<str:name>/", component.component_detail, name="component"),
    path("components/<str:name>/diff.patch", component.component_diff, name="component_diff"),
    path("deviations/", deviations.deviation_list, name="deviations"),
    path("deviations/<int:pk>/", deviation.deviation_detail, name="deviation"),
    path("commits/<str:sha>/", commit.config_commit, name="config_commit"),
    path("sync/", sync.sync_runs, name="sync_runs"),
    path("sync/start/", sync.start, name="sync_start"),
    path("sync/<int:pk>/", sync.sync_run, name="sync_run"),
    path("audit/", audit.audit_log, name="audit"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
]

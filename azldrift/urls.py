from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from deviations.web import converters  # noqa: F401 - registers <component_name:...>
from deviations.web.access import role_not_required
from deviations.web.views import (
    audit,
    commit,
    component,
    components,
    deviation,
    deviations,
    exports,
    feeds,
    health,
    history,
    mine,
    notes,
    overview,
    ownership,
    people,
    preferences,
    queue,
    reviews,
    sync,
    tokens,
    upstream,
    watches,
)

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("components/", components.component_list, name="components"),
    # Any name but one with '/' or NUL (web/converters.py); a row recorded before the
    # import checked names may hold those, and opens by id (component_url picks).
    path("components/<component_name:name>/", component.component_detail, name="component"),
    path(
        "components/<component_name:name>/diff.patch",
        component.component_diff,
        name="component_diff",
    ),
    path(
        "components/<component_name:name>/deviations/<deviation_key:key>/",
        deviation.deviation_by_key,
        name="deviation_permalink",
    ),
    path("components/id/<int:pk>/", component.component_by_id, name="component_by_id"),
    path(
        "components/id/<int:pk>/diff.patch",
        component.component_diff_by_id,
        name="component_diff_by_id",
    ),
    path("deviations/", deviations.deviation_list, name="deviations"),
    path("deviations/<int:pk>/", deviation.deviation_detail, name="deviation"),
    path("deviations/<int:pk>/review/", reviews.review, name="deviation_review"),
    path("deviations/<int:pk>/notes/", notes.add, name="note_add"),
    path("notes/<int:pk>/revise/", notes.revise, name="note_revise"),
    path("reviews/", queue.review_queue, name="review_queue"),
    path("overdue/", ownership.overdue, name="overdue"),
    path(
        "deviations/<int:pk>/ownership/",
        ownership.deviation_ownership,
        name="deviation_ownership",
    ),
    path(
        "deviations/<int:pk>/acknowledge/",
        ownership.deviation_acknowledge,
        name="deviation_acknowledge",
    ),
    path(
        "components/id/<int:pk>/ownership/",
        ownership.component_ownership,
        name="component_ownership",
    ),
    path(
        "components/id/<int:pk>/acknowledge/",
        ownership.component_acknowledge,
        name="component_acknowledge",
    ),
    path(
        "acknowledgements/<int:pk>/withdraw/",
        ownership.withdraw,
        name="acknowledgement_withdraw",
    ),
    path("suggestions/<int:pk>/decide/", upstream.decide, name="suggestion_decide"),
    path("upstream/check/", upstream.start_check, name="upstream_check_start"),
    path("reviews/bulk/", reviews.bulk, name="review_bulk"),
    path("people/", people.people_list, name="people"),
    path("people/identities/", people.link, name="identity_link"),
    path("people/identities/<int:pk>/unlink/", people.unlink, name="identity_unlink"),
    path("people/<int:pk>/roles/", people.set_roles, name="user_roles"),
    path("commits/", history.commit_list, name="config_commits"),
    path("commits/<str:sha>/", commit.config_commit, name="config_commit"),
    path("imports/", history.import_list, name="import_runs"),
    path("changes/", history.changes, name="changes"),
    path("trends/", history.trends_page, name="trends"),
    path("trends/<slug:name>.csv", history.trends_csv, name="trends_csv"),
    path("sync/", sync.sync_runs, name="sync_runs"),
    path("sync/start/", sync.start, name="sync_start"),
    path("sync/<int:pk>/", sync.sync_run, name="sync_run"),
    path("preferences/diff/", preferences.diff_layout, name="diff_layout"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/<int:seq>/", audit.audit_event, name="audit_event"),
    *exports.urlpatterns,
    path("api/", include("deviations.web.api.urls")),
    path("api/token/", tokens.api_token, name="api_token"),
    path("mine/", mine.mine_page, name="mine"),
    path("mine/feed-token/", mine.feed_token, name="feed_token"),
    path("watches/", watches.add, name="watch_add"),
    path("watches/<int:pk>/remove/", watches.remove, name="watch_remove"),
    # Atom feeds: the key in the path is the only credential they take (views/feeds.py).
    path("feeds/<str:key>/mine/", feeds.mine_feed, name="feed_mine"),
    path("feeds/<str:key>/reviews/", feeds.queue_feed, name="feed_queue"),
    path("feeds/<str:key>/deviations/", feeds.deviations_feed, name="feed_deviations"),
    path(
        "feeds/<str:key>/components/<component_name:name>/",
        feeds.component_feed,
        name="feed_component",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    # A user without a role must still be able to log out.
    path("logout/", role_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
]

# The pages' 404 page, except under /api/, where an unknown URL answers JSON.
handler404 = "deviations.web.api.errors.not_found"

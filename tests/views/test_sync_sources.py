"""Where a sync fetched from when told to look elsewhere (a `file://` path on the server)
is for admins: others see that an override was used, on the pages and in the API."""

import pytest
from django.urls import reverse

from deviations.domain.permissions import ADMIN, VIEWER
from deviations.models import SyncRun, SyncRunIssue
from tests import factories

pytestmark = pytest.mark.django_db
DISTGIT = "file:///srv/secret-mirror/distgit/$pkg.git"
LOOKASIDE = "file:///srv/secret-mirror/lookaside/$pkg/$filename/$hashtype/$hash/$filename"


@pytest.fixture
def run() -> SyncRun:
    run = factories.make_sync_run(
        errors=1,
        options={
            "components": None,
            "dist_git_base_uri": DISTGIT,
            "lookaside_base_uri": LOOKASIDE,
            "owner": {"host": "build-7.internal", "pid": 4242, "inline": True},
        },
        message="fetched from file:///srv/secret-mirror/distgit/",
    )
    SyncRunIssue.objects.create(
        run=run,
        component_name="bash",
        kind="repository-missing",
        message="upstream repository file:///srv/secret-mirror/distgit/bash.git does not exist",
        created_at=run.created_at,
    )
    return run


def test_viewers_see_that_an_override_was_used_not_where(client, run):
    client.force_login(factories.make_user("vera", roles=[VIEWER]))
    html = client.get(reverse("sync_run", args=[run.pk])).content.decode()
    assert "secret-mirror" not in html and "build-7" not in html
    assert "Dist-git override" in html and "Lookaside override" in html
    assert "used (where is shown to admins)" in html
    assert "upstream repository &lt;override&gt;/bash.git does not exist" in html

    api = factories.api_client_for(factories.make_user("vic", roles=[VIEWER]))
    for url in ("/api/sync-runs/", f"/api/sync-runs/{run.pk}/"):
        body = api.get(url).content.decode()
        assert "secret-mirror" not in body and "build-7" not in body, url
    detail = api.get(f"/api/sync-runs/{run.pk}/").json()
    assert detail["options"] == {
        "components": None,
        "dist_git_base_uri": "overridden",
        "lookaside_base_uri": "overridden",
    }
    assert detail["issues"][0]["message"] == (
        "upstream repository <override>/bash.git does not exist"
    )
    assert detail["message"] == "fetched from <override>/"


def test_admins_see_where(client, run):
    admin = factories.make_user("ada", roles=[ADMIN])
    client.force_login(admin)
    html = client.get(reverse("sync_run", args=[run.pk])).content.decode()
    assert DISTGIT in html and "file:///srv/secret-mirror/distgit/bash.git" in html
    detail = factories.api_client_for(admin).get(f"/api/sync-runs/{run.pk}/").json()
    assert detail["options"]["dist_git_base_uri"] == DISTGIT
    assert detail["options"]["lookaside_base_uri"] == LOOKASIDE
    assert detail["options"]["owner"]["host"] == "build-7.internal"

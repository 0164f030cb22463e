"""Sync runs: history, the running one's progress (polled by htmx until it ends), errors."""

import pytest
from django.urls import reverse

from deviations.models import SyncRun
from tests import factories

MAX_QUERIES = 8


@pytest.fixture
def world(db):
    return factories.make_world()


def log_in_as_admin(client):
    admin = factories.make_user("root")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return admin


def test_history_lists_runs_newest_first(client_in, world):
    world.sync.status = SyncRun.Status.FAILED
    world.sync.save()
    newer = factories.make_sync_run(total=4)
    html = client_in.get(reverse("sync_runs")).content.decode()
    assert html.index(f"#{newer.pk}<") < html.index(f"#{world.sync.pk}<")
    assert "Running now" not in html


def test_running_run_polls_its_progress_fragment(client_in, world):
    world.sync.status = SyncRun.Status.FAILED
    world.sync.save()
    run = factories.make_sync_run(SyncRun.Status.RUNNING, total=200, done=50)
    url = reverse("sync_run", args=[run.pk])
    for page in (reverse("sync_runs"), url):
        html = client_in.get(page).content.decode()
        assert f'hx-get="{url}" hx-trigger="every 1s"' in html
        assert 'max="200" value="50"' in html
        assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    fragment = client_in.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="progress"') and "<html" not in html
    assert "50 of 200 components (25%)" in html
    assert 'hx-trigger="every 1s"' in html


def test_finished_run_fragment_stops_polling(client_in, world):
    run = world.sync
    html = client_in.get(
        reverse("sync_run", args=[run.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress"
    ).content.decode()
    assert "hx-trigger" not in html
    assert 'max="4" value="4"' in html


def test_run_page_lists_per_component_errors(client_in, world):
    html = client_in.get(reverse("sync_run", args=[world.sync.pk])).content.decode()
    issues = html[html.index('id="issues"') :]
    assert f'href="{reverse("component", args=["jq"])}"' in issues
    assert "pin-missing" in issues and "commit 0f3c2a1 is not on f43" in issues


def test_unknown_run_is_404(client_in, world):
    assert client_in.get(reverse("sync_run", args=[99999])).status_code == 404


def test_query_counts_bounded(client_in, world, count_queries):
    run_url = reverse("sync_run", args=[world.sync.pk])
    small = (
        count_queries(lambda: client_in.get(reverse("sync_runs"))),
        count_queries(lambda: client_in.get(run_url)),
    )
    for i in range(30):
        factories.make_sync_run(total=1)
        world.sync.issues.create(
            component_name=f"gone-{i}",
            kind="repo-missing",
            message="x",
            created_at=world.sync.created_at,
        )
    large = (
        count_queries(lambda: client_in.get(reverse("sync_runs"))),
        count_queries(lambda: client_in.get(run_url)),
    )
    assert small == large
    assert max(large) <= MAX_QUERIES


# --- starting a sync from the web --------------------------------------------------------


def test_start_form_only_for_admins(client, world, owner, teammate):
    client.force_login(teammate)
    assert 'action="/sync/start/"' not in client.get(reverse("sync_runs")).content.decode()
    assert client.post(reverse("sync_start")).status_code == 403
    log_in_as_admin(client)
    assert 'action="/sync/start/"' in client.get(reverse("sync_runs")).content.decode()


@pytest.mark.django_db(transaction=True)  # the sync runs in a thread: it must see the data
def test_start_refused_while_a_sync_runs(client, world):
    log_in_as_admin(client)
    world.sync.status = SyncRun.Status.FAILED
    world.sync.save()
    running = factories.make_sync_run(SyncRun.Status.RUNNING, total=10, done=1)
    response = client.post(reverse("sync_start"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("sync_run", args=[running.pk])
    assert "only one sync runs at a time" in response.content.decode()
    assert SyncRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_start_with_an_unknown_component_says_so(client, world):
    log_in_as_admin(client)
    response = client.post(reverse("sync_start"), {"components": "nope"}, follow=True)
    assert "The sync did not start: unknown component(s): nope" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_start_runs_a_real_sync_and_the_page_follows_it(client, settings, tmp_path):
    """The web start runs the sync (in the background with the immediate backend)."""
    settings.CACHE_DIR = tmp_path / "cache"
    upstream = factories.component_with_upstream(tmp_path)
    admin = log_in_as_admin(client)

    response = client.post(reverse("sync_start"), {"components": "hello"})
    run = SyncRun.objects.order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("sync_run", args=[run.pk])
    assert run.trigger == "web" and run.triggered_by == admin
    assert run.options["dist_git_base_uri"] == upstream.template
    run = factories.wait_for_sync(run)
    assert (run.status, run.done, run.total) == ("succeeded", 1, 1)
    upstream.component.refresh_from_db()
    assert upstream.component.sync.pinned_commit == upstream.repo.tip("f43")
    html = client.get(reverse("sync_run", args=[run.pk])).content.decode()
    assert "1 of 1 components (100%)" in html and "hx-trigger" not in html

"""The Watch button: a plain form that works without JavaScript, swapped in place by htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deviations.domain.permissions import VIEWER
from deviations.models import AuditEvent, Watch
from deviations.vocabulary import AuditAction, WatchKind
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def walt(client):
    user = factories.make_user("walt", roles=[VIEWER], email="walt@example.test")
    client.force_login(user)
    return user


def test_watching_a_component_from_its_page_without_javascript(client, walt):
    factories.make_deviation("curl")
    page_url = reverse("component", args=["curl"])
    page = client.get(page_url).content.decode()
    assert f'action="{reverse("watch_add")}"' in page and "Watch" in page

    form = {"kind": WatchKind.COMPONENT, "component": "curl", "next": page_url}
    response = client.post(reverse("watch_add"), form)
    assert response.status_code == 302 and response["Location"] == page_url
    watch = Watch.objects.get(user=walt)
    assert watch.component.name == "curl"
    page = client.get(page_url).content.decode()
    assert reverse("watch_remove", args=[watch.pk]) in page and "Unwatch" in page
    assert "You watch component curl." in page

    response = client.post(reverse("watch_remove", args=[watch.pk]), {"next": page_url})
    assert response.status_code == 302 and not Watch.objects.exists()
    actions = AuditEvent.objects.filter(object_type="watch").order_by("seq")
    assert [e.action for e in actions] == [AuditAction.WATCH_ADDED, AuditAction.WATCH_REMOVED]
    assert all(e.actor_label == "walt" for e in actions)


def test_htmx_swaps_the_button_for_its_new_state(client, walt):
    factories.make_deviation("curl")
    form = {"kind": WatchKind.COMPONENT, "component": "curl", "next": "/components/curl/"}
    swapped = client.post(reverse("watch_add"), form, **HTMX)
    assert swapped.status_code == 200
    body = swapped.content.decode()
    watch = Watch.objects.get(user=walt)
    assert body.lstrip().startswith('<form class="watch"')
    assert reverse("watch_remove", args=[watch.pk]) in body and "<html" not in body
    back = client.post(reverse("watch_remove", args=[watch.pk]), {"next": "/"}, **HTMX)
    assert f'action="{reverse("watch_add")}"' in back.content.decode()


def test_watching_a_filter_of_the_deviation_list(client, walt):
    factories.make_deviation("curl", description="needle")
    listing = client.get(reverse("deviations") + "?q=needle&page=1&kind=").content.decode()
    assert 'name="query" value="q=needle"' in listing
    form = {"kind": WatchKind.FILTER, "query": "q=needle", "name": "Needles", "next": "/x"}
    response = client.post(reverse("watch_add"), form)
    assert response.status_code == 302
    watch = Watch.objects.get(user=walt)
    assert (watch.query, watch.name) == ("q=needle", "Needles")
    listing = client.get(reverse("deviations") + "?q=needle").content.decode()
    assert reverse("watch_remove", args=[watch.pk]) in listing
    mine = client.get(reverse("mine")).content.decode()
    assert "Needles" in mine and f"{reverse('deviations')}?q=needle" in mine


def test_junk_is_refused_and_nobody_unwatches_for_someone_else(client, walt):
    bad = {"kind": WatchKind.FILTER, "query": "review_state=bogus"}
    assert client.post(reverse("watch_add"), bad).status_code == 400
    missing = {"kind": WatchKind.COMPONENT, "component": "nope"}
    assert client.post(reverse("watch_add"), missing).status_code == 404
    assert client.post(reverse("watch_add"), {"kind": "everything"}).status_code == 400
    other = factories.make_user("olga", roles=[VIEWER])
    client.force_login(other)
    client.post(reverse("watch_add"), {"kind": WatchKind.FILTER, "query": ""})
    theirs = Watch.objects.get(user=other)
    client.force_login(walt)
    assert client.post(reverse("watch_remove", args=[theirs.pk])).status_code == 404
    assert Watch.objects.filter(pk=theirs.pk).exists()


def test_next_must_stay_on_the_site(client, walt):
    factories.make_deviation("curl")
    form = {"kind": WatchKind.COMPONENT, "component": "curl", "next": "https://evil.example/"}
    response = client.post(reverse("watch_add"), form)
    assert response["Location"] == reverse("mine")

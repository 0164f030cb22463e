"""Owner, due date and acknowledgement forms on the pages, the overdue queue and the
overview's attention tiles."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from deviations.models import Acknowledgement, AuditEvent, Deviation
from deviations.vocabulary import AcknowledgementState, AuditAction
from tests import factories
from tests.ownership.helpers import TODAY

pytestmark = pytest.mark.django_db


def _tile(html: str, name: str) -> int:
    found = re.search(rf'data-severity="{name}"[^>]*>\s*<span class="tile-num">(\d+)</span>', html)
    assert found, f"no {name} tile"
    return int(found[1])


def test_a_reviewer_sets_owner_and_due_date_on_a_deviation(client, rita, drifting):
    dev = drifting.failing
    page = client.get(f"/deviations/{dev.pk}/").content.decode()
    assert 'aria-label="Set owner and due date"' in page
    response = client.post(
        f"/deviations/{dev.pk}/ownership/", {"owner": "rita", "due_date": "2026-12-01"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#ownership")
    dev.refresh_from_db()
    assert (dev.owner.name, dev.due_date) == ("rita", dt.date(2026, 12, 1))
    page = client.get(f"/deviations/{dev.pk}/").content.decode()
    assert 'data-finding="overdue"' in page and "set in azldrift" in page
    assert AuditEvent.objects.filter(action=AuditAction.OWNER_SET).count() == 1


def test_an_unknown_owner_is_a_clear_error_and_changes_nothing(client, rita, drifting):
    response = client.post(
        f"/components/id/{drifting.component.pk}/ownership/",
        {"owner": "nobody", "due_date": ""},
        follow=True,
    )
    assert "there is no active account &#x27;nobody&#x27;" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.OWNER_SET).exists()


def test_a_viewer_sees_no_forms(client_in, drifting):
    page = client_in.get(f"/components/{drifting.component.name}/").content.decode()
    assert 'id="ownership"' in page and 'aria-label="Acknowledge"' not in page
    assert "Only reviewers and admins acknowledge" in page


def test_acknowledging_drift_on_the_component_page_drops_the_overview_count(
    client, rita, drifting, clock
):
    assert _tile(client.get("/").content.decode(), "drift") == 1
    page = client.get(f"/components/{drifting.component.name}/").content.decode()
    assert '<option value="drift">drift on a component</option>' in page
    response = client.post(
        f"/components/id/{drifting.component.pk}/acknowledge/",
        {"subject": "drift", "reason": "Stay on this pin until F44", "expires_on": "2026-12-10"},
        follow=True,
    )
    assert "Acknowledged (drift on a component) until 2026-12-10." in response.content.decode()
    overview = client.get("/").content.decode()
    assert _tile(overview, "drift") == 0 and "acknowledged drift is left out (1 now)" in overview
    clock.move_to(dt.datetime(2026, 12, 10, 8, tzinfo=dt.UTC))
    assert _tile(client.get("/").content.decode(), "drift") == 1
    page = client.get(f"/components/{drifting.component.name}/").content.decode()
    assert 'data-state="expired"' in page


def test_a_bad_acknowledgement_is_refused_with_its_reason(client, rita, drifting):
    response = client.post(
        f"/deviations/{drifting.noop.pk}/acknowledge/",
        {"subject": "failing-at-tip", "reason": "x", "expires_on": "2026-12-10"},
        follow=True,
    )
    assert "Not acknowledged: This deviation&#x27;s verdict at the tip is not failed." in (
        response.content.decode()
    )
    response = client.post(
        f"/deviations/{drifting.noop.pk}/acknowledge/",
        {"subject": "noop-at-tip", "reason": "x", "expires_on": "someday"},
        follow=True,
    )
    assert "Not acknowledged. expires_on: Enter a valid date." in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_withdrawing_returns_the_item(client, rita, drifting):
    client.post(
        f"/deviations/{drifting.obsolete.pk}/acknowledge/",
        {"subject": "obsolete", "reason": "Kept for F44", "expires_on": "2026-12-20"},
    )
    ack = Acknowledgement.objects.get()
    assert _tile(client.get("/").content.decode(), "breaks-on-rebase") == 1  # another's
    client.post(f"/acknowledgements/{ack.pk}/withdraw/")
    ack.refresh_from_db()
    assert ack.state == AcknowledgementState.WITHDRAWN


def test_the_overdue_queue_lists_per_owner_and_no_expiry(client, rita, drifting):
    Deviation.objects.filter(pk=drifting.failing.pk).update(due_date=TODAY - dt.timedelta(days=3))
    Deviation.objects.filter(pk=drifting.noop.pk).update(category="azl-temp-workaround")
    page = client.get("/overdue/").content.decode()
    assert f'href="/deviations/{drifting.failing.pk}/"' in page
    assert 'data-owner="">1</span>' in page
    assert 'Temporary workarounds with no due date <span class="count">1</span>' in page
    assert _tile(client.get("/").content.decode(), "overdue") == 1
    assert _tile(client.get("/").content.decode(), "no-expiry") == 1
    page = client.get("/overdue/?owner=rita").content.decode()
    assert f'href="/deviations/{drifting.failing.pk}/"' not in page


def test_each_attention_tile_counts_what_its_link_lists(client, rita, drifting, clock):
    """The tiles' links open the lists they count, acknowledged items left out."""
    from urllib.parse import parse_qsl, urlsplit

    from deviations.reads import queries
    from deviations.reads.filters import ComponentFilter, DeviationFilter

    other = factories.make_deviation(
        drifting.component, verdict_at_pin="applied", verdict_at_tip="failed"
    )
    client.post(
        f"/deviations/{other.pk}/acknowledge/",
        {"subject": "failing-at-tip", "reason": "known", "expires_on": "2026-12-20"},
    )
    client.post(
        f"/components/id/{drifting.component.pk}/acknowledge/",
        {"subject": "drift", "reason": "held", "expires_on": "2026-12-20"},
    )
    client.post(
        f"/deviations/{drifting.noop.pk}/acknowledge/",
        {"subject": "noop-at-tip", "reason": "known", "expires_on": "2026-12-20"},
    )
    html = client.get("/").content.decode()
    lists = {
        "/components/": (ComponentFilter, queries.component_rows),
        "/deviations/": (DeviationFilter, queries.deviation_rows),
    }
    for name in ("drift", "breaks-on-rebase", "obsolete-candidate", "no-expiry", "needs-review"):
        href = re.search(rf'<a [^>]*data-severity="{name}"[^>]*>', html)[0]
        url = urlsplit(re.search(r'href="([^"]+)"', href)[1].replace("&amp;", "&"))
        filterset, rows = lists[url.path]
        listed = filterset(data=dict(parse_qsl(url.query)), queryset=rows()).qs.count()
        assert listed == _tile(html, name), name
    assert (_tile(html, "drift"), _tile(html, "breaks-on-rebase")) == (0, 1)
    assert _tile(html, "obsolete-candidate") == 1  # the obsolete one; the no-op acknowledged
    assert _tile(html, "needs-review") == 4  # acknowledging is not reviewing

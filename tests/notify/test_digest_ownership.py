"""Owners, due dates and acknowledgements in the digests and on "Mine": an overdue item I
own, an acknowledgement I made that expired, and deviations I own counted as my work
(real SMTP: tests/notify/smtp_server.py; a frozen clock: the `clock` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from deviations.domain import audit, ownership, reviews
from deviations.domain.permissions import VIEWER
from deviations.vocabulary import AcknowledgedSubject, Decision
from tests import factories
from tests.notify.test_digest import run_notify
from tests.ownership.helpers import TODAY, as_user

pytestmark = pytest.mark.django_db


def test_an_overdue_deviation_i_own_is_on_mine_and_in_one_digest_only(
    smtp_server, client, clock, reviewer
):
    olga = factories.make_user("olga", roles=[VIEWER], email="olga@example.test")
    by_someone = factories.make_commit("Pin it", author="Sam Someone")
    dev = factories.make_deviation("zlib", introduced=by_someone, description="Pin zlib to 1.3")
    factories.make_deviation("zlib", introduced=by_someone, description="Not owned by olga")
    ownership.set_owner(as_user(reviewer), dev, olga)
    ownership.set_due_date(as_user(reviewer), dev, TODAY + dt.timedelta(days=3))
    client.force_login(olga)

    page = client.get(reverse("mine")).content.decode()
    assert 'My overdue items <span class="muted">(0)' in page
    assert 'Deviations I authored or own <span class="muted">(1)' in page  # owned: mine
    assert "Pin zlib to 1.3" in page and "Not owned by olga" not in page
    run_notify("--since", "1d")
    assert smtp_server.to("olga@example.test") == []  # not due yet

    clock.move_to(dt.datetime(2026, 12, 11, 9, tzinfo=dt.UTC))  # a day past its due date
    page = client.get(reverse("mine")).content.decode()
    assert 'My overdue items <span class="muted">(1)' in page
    assert "due 2026-12-10" in page

    run_notify()
    (digest,) = smtp_server.to("olga@example.test")
    assert "Overdue (1)" in digest.body
    assert "zlib: Pin zlib to 1.3: overdue" in digest.body
    assert f"/deviations/{dev.pk}/" in digest.body
    clock.move_to(dt.datetime(2026, 12, 12, 9, tzinfo=dt.UTC))
    assert "0 digests" in run_notify()
    assert "0 digests" in run_notify("--since", "7d")
    assert len(smtp_server.to("olga@example.test")) == 1

    # A new due date that passes too is news again.
    ownership.set_due_date(as_user(reviewer), dev, dt.date(2026, 12, 11))
    run_notify()
    assert len(smtp_server.to("olga@example.test")) == 2


def test_an_overdue_component_i_own_is_told_too(smtp_server, clock, reviewer):
    olga = factories.make_user("olga", roles=[VIEWER], email="olga@example.test")
    comp = factories.make_component("curl")
    ownership.set_owner(as_user(reviewer), comp, olga)
    ownership.set_due_date(as_user(reviewer), comp, TODAY - dt.timedelta(days=1))
    run_notify("--since", "1d")
    (digest,) = smtp_server.to("olga@example.test")
    assert "curl: overdue" in digest.body and "/components/curl/" in digest.body


def test_changes_requested_on_a_deviation_i_own_reach_me(smtp_server, clock, reviewer):
    olga = factories.make_user("olga", roles=[VIEWER], email="olga@example.test")
    dev = factories.make_deviation(
        "bash", introduced=factories.make_commit(author="Sam Someone"), description="Drop a test"
    )
    ownership.set_owner(as_user(reviewer), dev, olga)
    reviews.decide(
        as_user(reviewer), dev, Decision.CHANGES_REQUESTED, "Why?", seen=reviews.seen_now(dev)
    )
    run_notify("--since", "1d")
    (digest,) = smtp_server.to("olga@example.test")
    assert "Changes requested on your work (1)" in digest.body and "Why?" in digest.body


def test_an_expired_acknowledgement_reaches_its_maker_once(
    smtp_server, client, clock, reviewer, drifting
):
    ownership.acknowledge(
        as_user(reviewer),
        AcknowledgedSubject.DRIFT,
        drifting.component,
        reason="Stay on this pin until the ICU rebuild settles",
        expires_on=TODAY + dt.timedelta(days=3),
    )
    client.force_login(reviewer)
    page = client.get(reverse("mine")).content.decode()
    assert 'Acknowledgements I made that expire soon <span class="muted">(1)' in page
    assert "expires 2026-12-10" in page
    run_notify("--since", "1d")
    assert smtp_server.to("rita@example.com") == []

    clock.move_to(dt.datetime(2026, 12, 10, 6, tzinfo=dt.UTC))  # its expiry date
    page = client.get(reverse("mine")).content.decode()
    assert 'Acknowledgements I made that expire soon <span class="muted">(0)' in page
    call_command("expire", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_notify()
    (digest,) = smtp_server.to("rita@example.com")
    assert "Acknowledgements expired (1)" in digest.body
    assert "bash: your acknowledgement (" in digest.body and ") expired" in digest.body
    assert "Stay on this pin until the ICU rebuild settles" in digest.body
    assert "/components/bash/" in digest.body

    call_command("expire", stdout=open("/dev/null", "w"))  # noqa: SIM115  (records nothing)
    assert "0 digests" in run_notify()
    assert "0 digests" in run_notify("--since", "2d")
    assert len(smtp_server.to("rita@example.com")) == 1


def test_nobody_else_hears_of_my_acknowledgement(smtp_server, clock, reviewer, drifting):
    factories.make_user("olga", roles=[VIEWER], email="olga@example.test")
    ownership.acknowledge(
        audit.Actor.for_user(reviewer),
        AcknowledgedSubject.DRIFT,
        drifting.component,
        reason="Held on purpose",
        expires_on=TODAY + dt.timedelta(days=1),
    )
    clock.move_to(dt.datetime(2026, 12, 9, tzinfo=dt.UTC))
    call_command("expire", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_notify("--since", "1d")
    assert smtp_server.to("olga@example.test") == []
    assert len(smtp_server.to("rita@example.com")) == 1

"""Owners and due dates: set by reviewers and admins (audited), proposed by the config on
import (the app's value wins once set); overdue and "no expiry" computed from them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from deviations.core.config.ownership import propose
from deviations.domain import ownership
from deviations.domain.importer import import_config
from deviations.models import AuditEvent, Deviation
from deviations.reads import ownership as reads
from deviations.vocabulary import AssignedBy, AuditAction
from tests import factories
from tests.factories import write_config_tree
from tests.ownership.helpers import TODAY, as_user

pytestmark = pytest.mark.django_db


def test_owner_and_due_date_are_set_by_reviewers_and_admins_and_audited(
    drifting, reviewer, admin_user, viewer
):
    dev = drifting.failing
    assert ownership.set_owner(as_user(reviewer), dev, admin_user) is True
    assert ownership.set_owner(as_user(reviewer), dev, admin_user) is False  # unchanged
    assert ownership.set_due_date(as_user(admin_user), dev, TODAY) is True
    ownership.set_owner(as_user(admin_user), drifting.component, reviewer)
    with pytest.raises(PermissionDenied):
        ownership.set_owner(as_user(viewer), dev, viewer)
    with pytest.raises(PermissionDenied):
        ownership.set_due_date(as_user(viewer), dev, None)
    dev.refresh_from_db()
    assert (dev.owner.user, dev.owner_source) == (admin_user, AssignedBy.APP)
    assert (dev.due_date, dev.due_date_source) == (TODAY, AssignedBy.APP)
    owner_events = AuditEvent.objects.filter(action=AuditAction.OWNER_SET).order_by("seq")
    assert [(e.object_type, e.before["owner"], e.after["owner"]) for e in owner_events] == [
        ("deviation", None, "ada"),
        ("component", None, "rita"),
    ]
    due = AuditEvent.objects.get(action=AuditAction.DUE_DATE_SET)
    assert (due.actor_label, due.after) == ("ada", {"due_date": "2026-12-07", "source": "app"})


def test_overdue_is_past_the_due_date_and_still_in_the_config(drifting, reviewer, clock):
    actor = as_user(reviewer)
    ownership.set_due_date(actor, drifting.failing, TODAY - dt.timedelta(days=1))
    ownership.set_due_date(actor, drifting.noop, TODAY)  # due today: not yet overdue
    ownership.set_due_date(actor, drifting.component, TODAY - dt.timedelta(days=30))
    ownership.set_owner(actor, drifting.failing, reviewer)
    assert list(reads.overdue_deviations()) == [drifting.failing]
    assert list(reads.overdue_deviations(reviewer)) == [drifting.failing]
    assert list(reads.overdue_components()) == [drifting.component]
    assert reads.attention().overdue == 2
    assert reads.overdue_by_owner() == [("", 1), ("rita", 1)]
    clock.move_to(dt.datetime(2026, 12, 8, 9, tzinfo=dt.UTC))
    assert set(reads.overdue_deviations()) == {drifting.failing, drifting.noop}
    Deviation.objects.filter(pk=drifting.failing.pk).update(removed=True)
    assert list(reads.overdue_deviations()) == [drifting.noop]


def test_a_temporary_workaround_without_due_date_is_a_finding(drifting, reviewer):
    temp = factories.make_deviation(
        drifting.component, metadata={"category": "azl-temp-workaround"}
    )
    marked = factories.make_deviation(drifting.component, metadata={"temporary": True})
    assert set(reads.no_expiry_deviations()) == {temp, marked}
    ownership.set_due_date(as_user(reviewer), temp, TODAY + dt.timedelta(days=90))
    assert list(reads.no_expiry_deviations()) == [marked]
    assert reads.attention().no_expiry == 1


def test_the_config_proposes_from_metadata_and_comment_lines():
    said = propose({}, "# Drops the docs\n# Owner: rita@example.com\n# Remove by: 2027-03-31")
    assert (said.owner, said.due_date, said.problems) == (
        "rita@example.com",
        dt.date(2027, 3, 31),
        (),
    )
    said = propose({"owner": "ada", "remove-by": dt.date(2027, 1, 1)}, "# Owner: bob")
    assert (said.owner, said.due_date) == ("ada", dt.date(2027, 1, 1))
    said = propose({}, "# remove by: next spring")
    assert said.due_date is None and "not a date" in said.problems[0]
    assert propose({}, "# The owner of this is upstream") == propose({}, "")


OVERLAY = (
    "[components.a]\n"
    "{comment}"
    "[[components.a.overlays]]\n"
    'description = "Drop the docs"\n'
    'type = "spec-add-tag"\n'
    'tag = "Provides"\n'
    'value = "a-azl"\n'
    'metadata = {{ category = "azl-temp-workaround", upstream-status = "unknown" }}\n'
)


def test_import_proposes_owner_and_due_date_and_the_app_value_wins(tmp_path, reviewer, admin_user):
    root = tmp_path / "config"
    comment = "# Owner: rita@example.com\n# Remove by: 2027-03-31\n"
    write_config_tree(root, {"comps/components.toml": OVERLAY.format(comment=comment)})
    import_config(root)
    dev = Deviation.objects.get(component__name="a")
    assert (dev.owner.user, dev.owner_source) == (reviewer, AssignedBy.CONFIG)
    assert (dev.due_date, dev.due_date_source) == (dt.date(2027, 3, 31), AssignedBy.CONFIG)
    assert dev.proposed_owner == "rita@example.com"
    event = AuditEvent.objects.get(action=AuditAction.OWNERSHIP_PROPOSED)
    assert event.actor_label.startswith("import #") and event.after["owner"] == "rita"

    ownership.set_owner(as_user(admin_user), dev, admin_user)  # the app's value wins
    comment = "# Owner: nobody-we-know@example.com\n# Remove by: 2027-06-30\n"
    write_config_tree(root, {"comps/components.toml": OVERLAY.format(comment=comment)})
    import_config(root)
    dev.refresh_from_db()
    assert (dev.owner.user, dev.owner_source) == (admin_user, AssignedBy.APP)
    assert dev.proposed_owner == "nobody-we-know@example.com"  # kept, to show
    assert (dev.due_date, dev.due_date_source) == (dt.date(2027, 6, 30), AssignedBy.CONFIG)
    assert AuditEvent.objects.filter(action=AuditAction.OWNERSHIP_PROPOSED).count() == 2

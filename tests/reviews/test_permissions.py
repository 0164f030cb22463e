"""Roles and four eyes, as deviations.domain.permissions answers them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from deviations.domain import audit, people, permissions
from deviations.models import NoteVersion, Origin
from tests import factories

pytestmark = pytest.mark.django_db
SETUP = factories.SETUP


def test_each_role_grants_its_own_powers(viewer, reviewer, admin_user):
    matrix = {
        "viewer": (viewer, dict(view=True, review=False, sync=False, users=False)),
        "reviewer": (reviewer, dict(view=True, review=True, sync=False, users=False)),
        "admin": (admin_user, dict(view=True, review=False, sync=True, users=True)),
    }
    for name, (user, expected) in matrix.items():
        got = dict(
            view=permissions.can_view(user) and permissions.can_export(user),
            review=permissions.can_review(user),
            sync=permissions.can_start_sync(user),
            users=permissions.can_manage_users(user) and permissions.can_link_identity(user),
        )
        assert got == expected, name


def test_no_role_inactive_and_anonymous_users_get_nothing(reviewer):
    nobody = factories.make_user("nobody")
    reviewer.is_active = False
    for user in (nobody, reviewer, AnonymousUser(), None):
        permissions.forget(user) if user is not None else None
        assert permissions.roles(user) == frozenset()
        assert not permissions.can_view(user)
        assert not permissions.can_review(user)


def test_superuser_holds_every_role():
    boss = factories.make_user("boss", superuser=True)
    assert permissions.roles(boss) == frozenset(permissions.ROLES)


def test_require_turns_refusals_into_permission_denied():
    permissions.require(True)
    permissions.require(None)
    with pytest.raises(PermissionDenied, match="nope"):
        permissions.require(False, "nope")
    with pytest.raises(PermissionDenied, match="four eyes"):
        permissions.require("four eyes")


def test_authorship_follows_linked_identities_case_insensitively(reviewer, admin_user):
    mine = factories.make_commit(author="Rita R", email="Rita.Work@Example.COM")
    theirs = factories.make_commit(author="Someone Else", email="else@example.com")
    introduced_by_me = factories.make_deviation(introduced=mine)
    changed_by_me = factories.make_deviation(introduced=theirs, changed=mine)
    not_mine = factories.make_deviation(introduced=theirs)
    ids = [introduced_by_me.pk, changed_by_me.pk, not_mine.pk]

    assert permissions.authored(reviewer, ids) == {}
    with_actor = audit.Actor.for_user(admin_user, Origin.WEB)
    people.link_identity(with_actor, reviewer, email="rita.work@example.com")
    found = permissions.authored(reviewer, ids)
    assert set(found) == {introduced_by_me.pk, changed_by_me.pk}
    assert found[introduced_by_me.pk].startswith("introduced in your commit " + mine.sha[:12])
    assert found[changed_by_me.pk].startswith("last changed in your commit")


def test_account_email_and_name_identities_count_as_authorship(reviewer):
    # rita's account e-mail is rita@example.com
    by_account = factories.make_deviation(
        introduced=factories.make_commit(author="R.", email="RITA@example.com")
    )
    by_name = factories.make_deviation(
        introduced=factories.make_commit(author="Rita Reviewer", email="x@y.example")
    )
    assert set(permissions.authored(reviewer, [by_account.pk, by_name.pk])) == {by_account.pk}
    people.link_identity(SETUP, reviewer, name="rita  reviewer")
    assert set(permissions.authored(reviewer, [by_account.pk, by_name.pk])) == {
        by_account.pk,
        by_name.pk,
    }


def test_four_eyes_refuses_approval_of_own_deviation_but_not_other_decisions(reviewer):
    own = factories.make_deviation(
        introduced=factories.make_commit(author="Rita", email="rita@example.com")
    )
    refusal = permissions.decision_refusal(reviewer, own, "approved")
    assert refusal and refusal.startswith("Four eyes: you authored this deviation")
    assert permissions.decision_refusal(reviewer, own, "changes-requested") is None
    assert permissions.decision_refusal(reviewer, own, "rejected") is None


def test_four_eyes_refuses_approval_by_a_note_writer(reviewer, second_reviewer):
    dev = factories.make_deviation()
    note = dev.notes.create(author=second_reviewer, created_at=dev.created_at)
    NoteVersion.objects.create(
        note=note, number=1, text="why", author=second_reviewer, created_at=dev.created_at
    )
    assert "justification notes" in permissions.approval_refusal(second_reviewer, dev)
    assert permissions.approval_refusal(reviewer, dev) is None


def test_notes_are_for_reviewers_and_authors(viewer, reviewer):
    dev = factories.make_deviation(
        introduced=factories.make_commit(author="Vera", email="vera@example.com")
    )
    assert permissions.can_add_note(reviewer, dev)
    assert not permissions.can_add_note(viewer, dev)
    people.link_identity(SETUP, viewer, email="vera@example.com")
    assert permissions.can_add_note(viewer, dev), "an author may justify their own deviation"
    dev.removed = True
    assert not permissions.can_add_note(reviewer, dev)
    assert "no longer in the config" in permissions.decision_refusal(reviewer, dev, "rejected")

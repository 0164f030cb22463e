"""No self-escalation: nobody changes their own roles, flags or git identities, only
superusers change admins or grant admin powers, and every refused attempt is an event.

The attack this stops: a non-superuser admin made themselves superuser and unlinked
their own git identities, then approved their own work.  Each face (the Django admin,
the People page, the domain the commands use) asks the one rule,
permissions.account_change_refusal.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from deviations.domain import audit, people, reviews
from deviations.domain.permissions import ADMIN, REVIEWER, VIEWER
from deviations.models import AuditEvent, GitIdentity, Origin
from tests import factories
from tests.audit.test_admin_people import form_data

pytestmark = pytest.mark.django_db
User = get_user_model()
SETUP = audit.Actor.job("test setup", Origin.COMMAND)


@pytest.fixture
def ada(client):
    """A non-superuser admin who reviews too and commits config changes as ada@example.com."""
    ada = people.create_user(SETUP, "ada", roles=[ADMIN, REVIEWER], is_staff=True)
    people.link_identity(SETUP, ada, email="ada@example.com")
    client.force_login(ada)
    return ada


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=people.REFUSED).order_by("seq"))


def test_the_attack_in_the_admin_is_refused_and_she_still_cannot_approve_her_work(client, ada):
    url = f"/admin/auth/user/{ada.pk}/change/"
    data = form_data(client.get(url))
    data["is_superuser"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the reason
    assert "Nobody changes their own roles" in response.content.decode()
    ada.refresh_from_db()
    assert not ada.is_superuser
    (event,) = refusals()
    assert (event.actor, event.object_id, event.origin) == (ada, str(ada.pk), "admin")
    assert event.after["attempted"] == {"is_superuser": True}
    assert event.before == {"is_superuser": False}
    assert event.after["reason"].startswith("Nobody changes their own roles")

    identity = GitIdentity.objects.get(user=ada)
    response = client.post(f"/admin/deviations/gitidentity/{identity.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.post(
        "/admin/deviations/gitidentity/",
        {"action": "delete_selected", "_selected_action": [identity.pk], "post": "yes"},
    )
    assert GitIdentity.objects.filter(pk=identity.pk).exists()
    assert [e.after["attempted"]["identity"] for e in refusals()[1:]] == [
        "unlink ada@example.com",
        "unlink ada@example.com",
    ]
    # Four eyes still knows her work.
    dev = factories.make_deviation(
        introduced=factories.make_commit(author="Ada", email="ada@example.com")
    )
    with pytest.raises(PermissionDenied, match="Four eyes"):
        reviews.decide(audit.Actor.for_user(ada), dev, "approved", seen=reviews.seen_now(dev))
    assert audit.verify().ok


def test_nobody_links_an_identity_to_themselves_in_the_admin(client, ada):
    response = client.post(
        "/admin/deviations/gitidentity/add/", {"user": ada.pk, "email": "alias@example.com"}
    )
    assert response.status_code == 200 and "Nobody changes their own" in response.content.decode()
    assert not GitIdentity.objects.filter(email="alias@example.com").exists()
    assert refusals()[0].after["attempted"]["identity"] == "link alias@example.com"


def test_the_people_page_refuses_your_own_roles_and_identities(client, ada):
    response = client.post(reverse("user_roles", args=[ada.pk]), {"roles": [ADMIN]})
    assert response.status_code == 403
    assert sorted(ada.groups.values_list("name", flat=True)) == [ADMIN, REVIEWER]
    identity = GitIdentity.objects.get(user=ada)
    assert client.post(reverse("identity_unlink", args=[identity.pk])).status_code == 403
    response = client.post(reverse("identity_link"), {"user": ada.pk, "email": "x@example.com"})
    assert response.status_code == 403
    assert GitIdentity.objects.filter(user=ada).count() == 1
    assert [e.origin for e in refusals()] == ["web", "web", "web"]
    assert refusals()[0].after["attempted"] == {"groups": ["admin"]}
    # The page offers no such controls on your own row.
    html = client.get(reverse("people")).content.decode()
    assert f'action="{reverse("user_roles", args=[ada.pk])}"' not in html
    assert "another admin changes them" in html


def test_only_superusers_change_admins_or_grant_admin_powers(client, ada):
    bob = people.create_user(SETUP, "bob", roles=[ADMIN])
    vera = people.create_user(SETUP, "vera", roles=[VIEWER])
    assert client.post(reverse("user_roles", args=[bob.pk]), {"roles": [VIEWER]}).status_code == 403
    response = client.post(reverse("user_roles", args=[vera.pk]), {"roles": [VIEWER, ADMIN]})
    assert response.status_code == 403
    assert client.post(reverse("identity_link"), {"user": bob.pk, "name": "Bob"}).status_code == 403
    reasons = [e.after["reason"] for e in refusals()]
    assert reasons == [
        "Only superusers change an admin's account (bob is an admin).",
        "Only superusers grant the admin role, staff or superuser status.",
        "Only superusers change an admin's account (bob is an admin).",
    ]
    # Setting an admin's password is taking over the account.
    response = client.post(
        f"/admin/auth/user/{bob.pk}/password/",
        {"password1": "another-long-phrase-7", "password2": "another-long-phrase-7"},
    )
    assert response.status_code == 403
    assert refusals()[-1].after["attempted"] == {"password_set": True}
    # Granting staff in the admin is refused too.
    url = f"/admin/auth/user/{vera.pk}/change/"
    data = form_data(client.get(url))
    data["is_staff"] = "on"
    assert "Only superusers grant" in client.post(url, data).content.decode()
    vera.refresh_from_db()
    assert not vera.is_staff
    # What an admin still does: manage viewers and reviewers.
    assert (
        client.post(reverse("user_roles", args=[vera.pk]), {"roles": [REVIEWER]}).status_code == 302
    )
    assert (
        client.post(reverse("identity_link"), {"user": vera.pk, "name": "Vera"}).status_code == 302
    )

    root = people.create_user(SETUP, "root", is_superuser=True)
    client.force_login(root)
    assert client.post(reverse("user_roles", args=[bob.pk]), {"roles": [VIEWER]}).status_code == 302
    assert client.post(reverse("user_roles", args=[vera.pk]), {"roles": [ADMIN]}).status_code == 302
    assert set(Group.objects.get(name=ADMIN).user_set.all()) == {ada, vera}


def test_the_domain_refuses_and_records_for_every_face(ada):
    actor = audit.Actor.for_user(ada, Origin.WEB)
    with pytest.raises(PermissionDenied, match="Nobody changes their own"):
        people.update_user(actor, ada, is_superuser=True)
    with pytest.raises(PermissionDenied, match="Nobody changes their own"):
        people.update_user(actor, ada, email="someone-else@example.com")  # four eyes uses it
    with pytest.raises(PermissionDenied, match="Only superusers grant"):
        people.create_user(actor, "puppet", roles=[ADMIN])
    assert not User.objects.filter(username="puppet").exists()
    assert len(refusals()) == 3
    assert refusals()[2].object_repr == "puppet"
    # A command run from the shell is trusted (shell access is database access).
    assert people.update_user(SETUP, ada, is_superuser=True)

"""The people page: roles and git identities, managed by admins, every change audited."""

import pytest
from django.urls import reverse

from deviations.domain import people
from deviations.domain.permissions import ADMIN, REVIEWER, VIEWER
from deviations.models import AuditEvent, GitIdentity
from tests import factories

pytestmark = pytest.mark.django_db


def test_admins_link_and_unlink_identities_and_set_roles(client):
    ada = factories.make_user("ada", roles=[ADMIN])
    rita = factories.make_user("rita", roles=[VIEWER])
    client.force_login(ada)
    assert "rita" in client.get(reverse("people")).content.decode()

    response = client.post(
        reverse("identity_link"), {"user": rita.pk, "email": "Rita@Example.com", "name": ""}
    )
    assert response.status_code == 302
    identity = GitIdentity.objects.get(user=rita)
    assert identity.email == "rita@example.com"
    html = client.get(reverse("people")).content.decode()
    assert "Linked rita@example.com to rita." in html

    response = client.post(reverse("user_roles", args=[rita.pk]), {"roles": [VIEWER, REVIEWER]})
    assert response.status_code == 302
    assert sorted(rita.groups.values_list("name", flat=True)) == [REVIEWER, VIEWER]

    assert client.post(reverse("identity_unlink", args=[identity.pk])).status_code == 302
    assert not GitIdentity.objects.exists()
    actions = list(
        AuditEvent.objects.filter(origin="web").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["identity.linked", "user.changed", "identity.unlinked"]
    assert all(e.actor == ada for e in AuditEvent.objects.filter(origin="web"))


def test_link_errors_are_shown_and_nothing_is_written(client):
    ada = factories.make_user("ada", roles=[ADMIN])
    rita = factories.make_user("rita", roles=[VIEWER])
    people.link_identity(factories.SETUP, ada, email="shared@example.com")
    client.force_login(ada)
    before = AuditEvent.objects.count()
    response = client.post(reverse("identity_link"), {"user": rita.pk, "email": "", "name": ""})
    assert response.status_code == 400
    assert "Give the e-mail or the name" in response.content.decode()
    response = client.post(
        reverse("identity_link"), {"user": rita.pk, "email": "shared@example.com"}
    )
    assert response.status_code == 400
    assert "already linked to ada" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_an_admin_cannot_drop_their_own_admin_role(client):
    ada = factories.make_user("ada", roles=[ADMIN])
    client.force_login(ada)
    client.post(reverse("user_roles", args=[ada.pk]), {"roles": [VIEWER]})
    assert list(ada.groups.values_list("name", flat=True)) == [ADMIN]


def test_others_see_only_themselves_and_cannot_change_anything(client):
    rita = factories.make_user("rita", roles=[REVIEWER])
    factories.make_user("vera", roles=[VIEWER])
    people.link_identity(factories.SETUP, rita, email="rita@example.com")
    client.force_login(rita)
    html = client.get(reverse("people")).content.decode()
    assert "rita@example.com" in html and "vera" not in html
    assert "Only admins link identities" in html
    assert 'action="/people/identities/"' not in html
    identity = GitIdentity.objects.get()
    # Unlinking your own identity would let you approve your own work: refused.
    assert client.post(reverse("identity_unlink", args=[identity.pk])).status_code == 403
    assert GitIdentity.objects.exists()

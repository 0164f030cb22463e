"""Every change to users, groups, git identities and API tokens in the Django admin is an event."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token, TokenProxy

from deviations.domain import audit, people, tokens
from deviations.domain.permissions import REVIEWER, VIEWER
from deviations.models import AuditEvent, GitIdentity
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_data(response) -> dict:
    """What the browser would send back unchanged from an admin change form."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        widget_data = field.widget.format_value(value) if not isinstance(value, list) else value
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if hasattr(field.widget, "widgets"):  # split date/time
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part or ""
            continue
        data[name] = widget_data if widget_data is not None else ""
    return data


def events(action_prefix):
    return list(AuditEvent.objects.filter(action__startswith=action_prefix).order_by("seq"))


def test_adding_a_user_in_the_admin_is_recorded(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "newbie",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = [e for e in events("user.") if e.object_repr == "newbie"]
    assert event.action == "user.created" and event.origin == "admin"
    assert event.actor.username == "ada"
    assert event.after["username"] == "newbie" and event.after["groups"] == []
    assert "password" not in event.after


def test_changing_roles_and_staff_flag_in_the_admin_is_recorded(client):
    # Granting staff status is a superuser's to do (tests/audit/test_self_escalation.py).
    admin_client = client
    admin_client.force_login(factories.make_user("root", staff=True, superuser=True))
    vera = factories.make_user("vera", roles=[VIEWER])
    url = f"/admin/auth/user/{vera.pk}/change/"
    data = form_data(admin_client.get(url))
    data["groups"] = [str(Group.objects.get(name=REVIEWER).pk)]
    data["is_staff"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    (event,) = events("user.changed")
    assert event.object_id == str(vera.pk) and event.origin == "admin"
    assert event.before == {"is_staff": False, "groups": ["viewer"]}
    assert event.after == {"is_staff": True, "groups": ["reviewer"]}

    # Saving again without a change writes nothing.
    admin_client.post(url, form_data(admin_client.get(url)))
    assert len(events("user.changed")) == 1
    assert audit.verify().ok


def test_password_changes_in_the_admin_are_recorded_without_the_hash(admin_client):
    vera = factories.make_user("vera", roles=[VIEWER])
    response = admin_client.post(
        f"/admin/auth/user/{vera.pk}/password/",
        {
            "password1": "another-long-phrase-7",
            "password2": "another-long-phrase-7",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    (event,) = events("user.password_changed")
    assert event.after == {"has_usable_password": True}


def test_users_cannot_be_deleted_in_the_admin(admin_client):
    vera = factories.make_user("vera")
    assert (
        admin_client.post(f"/admin/auth/user/{vera.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert User.objects.filter(pk=vera.pk).exists()


def test_group_permission_changes_are_recorded_and_roles_are_protected(admin_client):
    people.ensure_roles(factories.SETUP)
    auditors = Group.objects.create(name="auditors")
    url = f"/admin/auth/group/{auditors.pk}/change/"
    data = form_data(admin_client.get(url))
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(codename="view_auditevent")
    data["permissions"] = [str(perm.pk)]
    assert admin_client.post(url, data).status_code == 302
    (event,) = events("group.changed")
    assert event.before == {"permissions": []}
    assert event.after == {"permissions": ["deviations.view_auditevent"]}

    assert (
        admin_client.post(f"/admin/auth/group/{auditors.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    (deleted,) = events("group.deleted")
    assert deleted.before["name"] == "auditors"
    reviewer_group = Group.objects.get(name=REVIEWER)
    assert (
        admin_client.post(
            f"/admin/auth/group/{reviewer_group.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_git_identities_linked_changed_and_unlinked_in_the_admin_are_recorded(admin_client):
    rita = factories.make_user("rita", roles=[REVIEWER])
    response = admin_client.post(
        "/admin/deviations/gitidentity/add/",
        {"user": rita.pk, "email": " Rita@Example.COM ", "name": ""},
    )
    assert response.status_code == 302
    identity = GitIdentity.objects.get()
    assert identity.email == "rita@example.com"
    response = admin_client.post(
        f"/admin/deviations/gitidentity/{identity.pk}/change/",
        {"user": rita.pk, "email": "rita@example.com", "name": "Rita R"},
    )
    assert response.status_code == 302
    bad = admin_client.post(
        "/admin/deviations/gitidentity/add/", {"user": rita.pk, "email": "", "name": ""}
    )
    assert bad.status_code == 200 and "Give the e-mail or the name" in bad.content.decode()
    response = admin_client.post(
        "/admin/deviations/gitidentity/",
        {"action": "delete_selected", "_selected_action": [identity.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not GitIdentity.objects.exists()
    actions = [e.action for e in events("identity.")]
    assert actions == ["identity.linked", "identity.changed", "identity.unlinked"]
    changed = events("identity.changed")[0]
    assert changed.before["name"] == "" and changed.after["name"] == "Rita R"
    assert audit.verify().ok


def test_only_the_admin_role_manages_people_in_the_admin(client):
    staff_reviewer = factories.make_user("rob", roles=[REVIEWER], staff=True)
    client.force_login(staff_reviewer)
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/deviations/gitidentity/").status_code == 403
    assert (
        client.post(
            "/admin/deviations/gitidentity/add/", {"user": staff_reviewer.pk, "email": "x@y.z"}
        ).status_code
        == 403
    )
    assert not GitIdentity.objects.exists()
    # ... but any role may read the read-only history there.
    assert client.get("/admin/deviations/auditevent/").status_code == 200


def test_api_tokens_are_not_made_or_deleted_in_the_admin(admin_client):
    """DRF's TokenAdmin would do both without an event; tokens have audited ways instead."""
    assert not admin.site.is_registered(TokenProxy) and not admin.site.is_registered(Token)
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert admin_client.get("/admin/authtoken/tokenproxy/add/").status_code == 404
    assert "authtoken" not in admin_client.get("/admin/").content.decode()


def test_revoking_api_tokens_from_the_user_list_is_recorded(admin_client):
    vera = factories.make_user("vera", roles=[VIEWER])
    rita = factories.make_user("rita", roles=[REVIEWER])
    tokens.issue(factories.SETUP, vera)
    response = admin_client.post(
        "/admin/auth/user/",
        {"action": "revoke_api_tokens", "_selected_action": [vera.pk, rita.pk]},
        follow=True,
    )
    assert "Revoked 1 API token(s)." in response.content.decode()
    assert not Token.objects.exists()
    (event,) = events("api_token.revoked")
    assert (event.object_repr, event.origin, event.actor.username) == ("vera", "admin", "ada")
    assert audit.verify().ok

"""User and permission changes made by commands are audit events too."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from deviations.domain import audit, permissions
from deviations.management.commands import changepassword
from deviations.models import AuditEvent, GitIdentity

pytestmark = pytest.mark.django_db
User = get_user_model()


def actions():
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_setup_roles_creates_the_three_groups_once(capsys):
    call_command("setup_roles")
    call_command("setup_roles")
    assert set(Group.objects.values_list("name", flat=True)) == set(permissions.ROLES)
    assert actions() == ["role.created"] * 3
    event = AuditEvent.objects.order_by("seq").first()
    assert event.origin == "command" and event.actor_label.startswith("manage.py setup_roles")
    assert "reviewer  exists" in capsys.readouterr().out


def test_users_command_changes_are_audited(monkeypatch, capsys):
    monkeypatch.setenv("NEW_PW", "a-long-pass-phrase-9")
    call_command("users", "create", "rita", "--role", "reviewer", "--password-env", "NEW_PW")
    rita = User.objects.get(username="rita")
    assert rita.check_password("a-long-pass-phrase-9")
    assert permissions.can_review(rita)

    call_command("users", "roles", "rita", "viewer", "admin")
    call_command("users", "set", "rita", "--staff")
    call_command("users", "link", "rita", "--email", "Rita@Example.com")
    call_command("users", "link", "rita", "--name", "Rita R")
    call_command("users", "unlink", "rita", "--name", "rita r")
    call_command("users", "roles", "rita")
    call_command("users", "list")

    assert [a for a in actions() if not a.startswith("role.")] == [
        "user.created",
        "user.changed",
        "user.changed",
        "identity.linked",
        "identity.linked",
        "identity.unlinked",
        "user.changed",
    ]
    roles_changed = AuditEvent.objects.filter(action="user.changed").order_by("seq")
    assert roles_changed[0].before == {"groups": ["reviewer"]}
    assert roles_changed[0].after == {"groups": ["admin", "viewer"]}
    assert roles_changed[1].after == {"is_staff": True}
    assert roles_changed[2].after == {"groups": []}
    assert list(GitIdentity.objects.values_list("email", flat=True)) == ["rita@example.com"]
    assert "rita" in capsys.readouterr().out
    assert audit.verify().ok


def test_users_command_errors_are_clear_and_write_nothing():
    call_command("users", "create", "rita")
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("users", "roles", "nobody", "viewer")
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("users", "link", "rita", "--email", "not an email")
    with pytest.raises(CommandError, match="nothing to change"):
        call_command("users", "set", "rita")
    assert AuditEvent.objects.count() == count


def test_createsuperuser_and_changepassword_are_audited(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase-9")
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "r@x.example")
    created = AuditEvent.objects.get(action="user.created")
    assert created.after["is_superuser"] is True and created.object_repr == "root"

    monkeypatch.setattr(
        changepassword.Command, "_get_pass", lambda self, prompt="": "n3w-Phrase-xyz"
    )
    call_command("changepassword", "root")
    assert AuditEvent.objects.filter(action="user.password_changed").count() == 1
    assert User.objects.get(username="root").check_password("n3w-Phrase-xyz")

"""Django admin: history (versions, results, reviews, audit) is read-only here.

Users, groups and git identities are editable by admins; every such edit
writes an audit event explicitly, in the admin's own transaction.

API tokens are not editable here (DRF's TokenAdmin is unregistered): its
creations and deletions would go unrecorded, and a key made there for someone
else would let an admin act through the API as them without a trace.  People
get their own token from the audited /api/token/ page, operators use
`manage.py api_token`; admins revoke a user's token with the user list's
action (audited too).
"""

from typing import Any

import rest_framework.authtoken.admin  # noqa: F401 - registers TokenAdmin, undone below
from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # registers User and Group first
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.authtoken.models import TokenProxy

from deviations import models
from deviations.domain import audit, people, permissions, tokens
from deviations.vocabulary import AuditAction, Origin


class ReadOnlyAdmin(admin.ModelAdmin):
    """History must not be edited: view only (for anyone holding a role)."""

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_view(request.user)

    def has_module_permission(self, request) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Component)
class ComponentAdmin(ReadOnlyAdmin):
    list_display = ["name", "spec_type", "distro_version", "dist_git_branch", "deviation_count"]
    list_filter = ["spec_type", "removed", "distro_version"]
    search_fields = ["name", "upstream_name"]


@admin.register(models.Deviation)
class DeviationAdmin(ReadOnlyAdmin):
    list_display = ["component", "key", "kind", "overlay_type", "review_state", "removed"]
    list_filter = ["kind", "overlay_type", "category", "upstream_status", "review_state"]
    search_fields = ["component__name", "key", "description"]
    list_select_related = ["component"]
    ordering = ["component__name", "position"]


@admin.register(models.Owner)
class OwnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "created_at"]
    search_fields = ["name"]


@admin.register(models.Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    """Made, replaced and withdrawn through deviations.domain.ownership (audited) only."""

    list_display = ["component", "deviation", "subject", "expires_on", "state", "created_by"]
    list_filter = ["subject", "state"]
    list_select_related = ["component", "deviation", "created_by"]
    ordering = ["-created_at"]


@admin.register(models.DeviationVersion)
class DeviationVersionAdmin(ReadOnlyAdmin):
    list_display = ["deviation", "number", "fingerprint", "created_at"]
    list_select_related = ["deviation__component"]
    ordering = ["deviation__component__name", "deviation__position", "number"]


@admin.register(models.ConfigCommit)
class ConfigCommitAdmin(ReadOnlyAdmin):
    list_display = ["sha", "author_name", "committed_at", "subject"]
    search_fields = ["sha", "author_name", "author_email", "subject"]


@admin.register(models.ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "source", "ref", "status", "started_at"]


@admin.register(models.SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "trigger", "total", "done", "errors", "created_at"]


@admin.register(models.SyncRunIssue)
class SyncRunIssueAdmin(ReadOnlyAdmin):
    list_display = ["run", "component_name", "kind", "message"]


@admin.register(models.ComponentSync)
class ComponentSyncAdmin(ReadOnlyAdmin):
    list_display = ["component", "pinned_commit", "tip_commit", "commits_behind", "error_kind"]
    list_select_related = ["component"]


@admin.register(models.DriftCommit)
class DriftCommitAdmin(ReadOnlyAdmin):
    list_display = ["component", "position", "sha", "committed_at", "subject"]
    ordering = ["component__name", "position"]


@admin.register(models.OverlayResult)
class OverlayResultAdmin(ReadOnlyAdmin):
    list_display = ["deviation", "target", "verdict", "upstream_commit"]


@admin.register(models.Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["deviation", "decision", "reviewer", "created_at"]


@admin.register(models.JustificationNote)
class JustificationNoteAdmin(ReadOnlyAdmin):
    list_display = ["deviation", "author", "created_at"]


@admin.register(models.NoteVersion)
class NoteVersionAdmin(ReadOnlyAdmin):
    list_display = ["note", "number", "author", "created_at"]
    ordering = ["note__created_at", "note", "number"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "origin", "action", "object_repr"]
    list_filter = ["origin", "action"]
    search_fields = ["actor_label", "object_repr", "component_name"]


# --- people: editable by admins, every change audited ---------------------------------


def _actor(request) -> audit.Actor:
    return audit.Actor.for_user(request.user, Origin.ADMIN)


def _refuse_in_form(request, target, before: dict, after: dict) -> None:
    """Ask the one rule (permissions.account_change_refusal) from an admin form's clean().

    A refusal is recorded and becomes the form's error: the admin's change view runs in
    one transaction, which commits (with the refusal event) because the form is invalid
    rather than because anything raised.
    """
    reason = permissions.account_change_refusal(request.user, target, before, after)
    if reason is not None:
        people.record_refusal(_actor(request), target, before, after, reason)
        raise forms.ValidationError(reason)


def _refuse_outside(request, target, before: dict, after: dict) -> None:
    """The same rule before an admin view opens its transaction: recorded, then 403."""
    reason = permissions.account_change_refusal(request.user, target, before, after)
    if reason is not None:
        people.record_refusal(_actor(request), target, before, after, reason)
        raise PermissionDenied(reason)


def _proposed(data: dict[str, Any]) -> dict[str, Any]:
    """The user change form's cleaned data as snapshot keys (people.snapshot)."""
    found: dict[str, Any] = {
        name: data[name] for name in (*people.USER_FIELDS, "is_superuser") if name in data
    }
    if "groups" in data:
        found["groups"] = sorted(group.name for group in data["groups"])
    if "user_permissions" in data:
        found["permissions"] = sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in data["user_permissions"]
        )
    return found


class PeopleAdmin(admin.ModelAdmin):
    """Only the admin role manages people; Django's per-model permissions are not used."""

    def has_module_permission(self, request) -> bool:
        return permissions.can_manage_users(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_manage_users(request.user)

    def has_add_permission(self, request) -> bool:
        return permissions.can_manage_users(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.can_manage_users(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.can_manage_users(request.user)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


@admin.register(User)
class UserAdmin(PeopleAdmin, auth_admin.UserAdmin):
    """Users are deactivated, never deleted: their events keep pointing at them."""

    list_display = ["username", "email", "is_active", "is_staff", "is_superuser", "role_names"]
    actions = ["revoke_api_tokens"]

    @admin.display(description="roles")
    def role_names(self, obj) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected users' API tokens")
    def revoke_api_tokens(self, request, queryset):
        with transaction.atomic():
            revoked = [user for user in queryset if tokens.revoke(_actor(request), user)]
        self.message_user(request, f"Revoked {len(revoked)} API token(s).")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form  # a new account: username and password only (its flags come after)

        def clean(self) -> dict[str, Any]:
            """Refuses (and records) what permissions.account_change_refusal refuses."""
            data = form.clean(self) or {}
            if not self.errors:
                before = people.snapshot(User.objects.get(pk=obj.pk))
                _refuse_in_form(request, obj, before, {**before, **_proposed(data)})
            return data

        return type(f"Guarded{form.__name__}", (form,), {"clean": clean})

    def save_model(self, request, obj, form, change):
        # The admin's change view is one transaction: snapshot, save, m2m, event.
        request._audit_before = people.snapshot(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        permissions.forget(form.instance)
        people.record_user_change(_actor(request), request._audit_before, form.instance)

    def user_change_password(self, request, id, form_url=""):
        target = User.objects.filter(pk=id).first()
        if request.method == "POST" and target is not None:
            # Setting an admin's password is taking over an admin's account.
            before, after = people.account_change(target, password_set=True)
            if target.pk != request.user.pk:
                _refuse_outside(request, target, before, after)
        with transaction.atomic():
            old = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and old is not None and user.password != old:
                people.record_password_change(_actor(request), user)
        return response


def _group_snapshot(group: Group) -> dict:
    return {
        "name": group.name,
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
        "members": sorted(group.user_set.values_list("username", flat=True)),
    }


@admin.register(Group)
class GroupAdmin(PeopleAdmin, auth_admin.GroupAdmin):
    """Role groups keep their names (roles are looked up by name) and cannot be deleted."""

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name in permissions.ROLES:
            return ["name"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.name in permissions.ROLES:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        before = _group_snapshot(Group.objects.get(pk=obj.pk)) if change else None
        request._audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, after = request._audit_before, _group_snapshot(form.instance)
        if before is None:
            audit.record(
                _actor(request),
                AuditAction.GROUP_CREATED,
                **audit.describe(form.instance),
                after=after,
            )
        elif before != after:
            keys = [k for k in after if before[k] != after[k]]
            audit.record(
                _actor(request),
                AuditAction.GROUP_CHANGED,
                **audit.describe(form.instance),
                before={k: before[k] for k in keys},
                after={k: after[k] for k in keys},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(
                _actor(request),
                AuditAction.GROUP_DELETED,
                **audit.describe(obj),
                before=_group_snapshot(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for group in queryset.exclude(name__in=permissions.ROLES):
                self.delete_model(request, group)


class GitIdentityForm(forms.ModelForm):
    class Meta:
        model = models.GitIdentity
        fields = ["user", "email", "name"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["email"], data["name"] = people.clean_identity(
            data.get("email", ""), data.get("name", "")
        )
        return data


@admin.register(models.GitIdentity)
class GitIdentityAdmin(PeopleAdmin):
    """The identities four eyes relies on: linking, changing and unlinking are audited."""

    list_display = ["user", "email", "name"]
    search_fields = ["email", "name", "user__username"]
    list_select_related = ["user"]
    form = GitIdentityForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        def clean(self) -> dict[str, Any]:
            """Nobody links, changes or unlinks their own identities; only superusers an
            admin's (permissions.account_change_refusal); each refusal recorded."""
            data = form.clean(self) or {}
            if self.errors:
                return data
            affected = []
            if obj is not None:
                old = models.GitIdentity.objects.select_related("user").get(pk=obj.pk)
                affected.append((old.user, f"change {old}"))
            new_user = data.get("user")
            if new_user is not None:
                affected.append((new_user, f"link {data.get('email') or data.get('name')}"))
            for target, how in affected:
                before, after = people.identity_change(target, how)
                _refuse_in_form(request, target, before, after)
            return data

        return type(f"Guarded{form.__name__}", (form,), {"clean": clean})

    def delete_view(self, request, object_id, extra_context=None):
        identity = models.GitIdentity.objects.select_related("user").filter(pk=object_id).first()
        if request.method == "POST" and identity is not None:
            before, after = people.identity_change(identity.user, f"unlink {identity}")
            _refuse_outside(request, identity.user, before, after)
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def _snapshot(identity) -> dict:
        return {
            "user": identity.user.get_username(),
            "email": identity.email,
            "name": identity.name,
        }

    def save_model(self, request, obj, form, change):
        before = (
            self._snapshot(models.GitIdentity.objects.select_related("user").get(pk=obj.pk))
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        after = self._snapshot(obj)
        if before is None:
            audit.record(
                _actor(request), AuditAction.IDENTITY_LINKED, **audit.describe(obj), after=after
            )
        elif before != after:
            audit.record(
                _actor(request),
                AuditAction.IDENTITY_CHANGED,
                **audit.describe(obj),
                before=before,
                after=after,
            )

    def delete_model(self, request, obj):
        people.unlink_identity(_actor(request), obj)

    def delete_queryset(self, request, queryset):
        identities = list(queryset.select_related("user"))
        refused = False
        for identity in identities:
            before, after = people.identity_change(identity.user, f"unlink {identity}")
            reason = permissions.account_change_refusal(request.user, identity.user, before, after)
            if reason is not None:
                people.record_refusal(_actor(request), identity.user, before, after, reason)
                self.message_user(request, f"{identity}: {reason}", level="error")
                refused = True
        if refused:
            return  # all or nothing
        with transaction.atomic():
            for identity in identities:
                people.unlink_identity(_actor(request), identity)

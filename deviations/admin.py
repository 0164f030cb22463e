"""Django admin: history (versions, results, reviews, audit) is read-only here."""

from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """History must not be edited: view only."""

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


@admin.register(models.DeviationVersion)
class DeviationVersionAdmin(ReadOnlyAdmin):
    list_display = ["deviation", "number", "fingerprint", "created_at"]
    list_select_related = ["deviation__component"]


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


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "origin", "action", "object_repr"]
    list_filter = ["origin", "action"]
    search_fields = ["actor_label", "object_repr", "component_name"]


@admin.register(models.GitIdentity)
class GitIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "name"]
    search_fields = ["email", "name", "user__username"]

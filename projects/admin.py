from django.contrib import admin

from .models import CheckIn, Project, ProjectEvent, Task


def _locked(project) -> bool:
    """An imported project's tasks follow the client's services: nobody edits them, here neither."""
    return project is not None and project.locked


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ("name", "source_ref", "is_photo_task", "form_ref", "archived", "position")

    def has_add_permission(self, request, obj=None):
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "status", "due_date", "assignee", "integration", "deleted_at")
    list_filter = ("status", "qa_in_field", "locked")
    search_fields = ("name", "address1", "city", "zip", "source_ref")
    list_select_related = ("account", "assignee", "integration")
    raw_id_fields = ("assignee",)
    readonly_fields = ("last_event_sequence", "source_digest", "created_at", "updated_at")
    inlines = [TaskInline]


@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    list_display = ("project", "sequence", "type", "actor_kind", "actor_label", "created_at")
    list_filter = ("type", "actor_kind")
    list_select_related = ("project",)
    raw_id_fields = ("project", "actor_user", "actor_api_key")

    # The history is written by services only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("project", "abc_number", "status", "checked_in_at", "completed_at", "sent_at_once")
    list_filter = ("status", "sent_at_once")
    list_select_related = ("project",)
    raw_id_fields = ("project", "checked_in_by", "completed_by")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "source_ref", "is_photo_task", "archived")
    list_filter = ("is_photo_task", "archived")
    search_fields = ("name", "source_ref", "project__name")
    list_select_related = ("project",)
    raw_id_fields = ("project",)

    def has_change_permission(self, request, obj=None):
        return not _locked(obj and obj.project) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj and obj.project) and super().has_delete_permission(request, obj)

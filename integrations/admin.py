from django import forms
from django.contrib import admin

from .models import Integration, IntegrationEvent, RefreshRun, RelayItem, RelayStatus


class IntegrationForm(forms.ModelForm):
    base_url = forms.URLField(required=False, assume_scheme="https")
    # Write-only: left blank, the stored credentials stay as they are.
    username = forms.CharField(required=False)
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = Integration
        fields = (
            "account",
            "kind",
            "name",
            "base_url",
            "qa_in_field",
            "default_assignee",
            "enabled",
            "refresh_interval_minutes",
            "health",
            "health_message",
        )

    def save(self, commit=True):
        integration = super().save(commit=False)
        if self.cleaned_data.get("username") or self.cleaned_data.get("password"):
            integration.set_credentials(
                {"username": self.cleaned_data["username"], "password": self.cleaned_data["password"]}
            )
        if commit:
            integration.save()
        return integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ("name", "account", "kind", "health", "enabled", "last_refreshed_at")
    list_filter = ("kind", "health", "enabled")
    list_select_related = ("account",)
    readonly_fields = (
        "credentials_state",
        "credentials_changed_at",
        "last_validated_at",
        "last_refreshed_at",
    )
    raw_id_fields = ("default_assignee",)


@admin.register(RefreshRun)
class RefreshRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "integration",
        "full",
        "status",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "closed",
        "queued_at",
        "finished_at",
    )
    list_filter = ("status", "full")
    list_select_related = ("integration",)


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "integration", "level", "order_ref", "message")
    list_filter = ("level",)
    search_fields = ("order_ref", "message")
    list_select_related = ("integration",)


@admin.register(RelayItem)
class RelayItemAdmin(admin.ModelAdmin):
    """Delivery state is the relay's: read-only here, with the one action staff need (send again)."""

    list_display = ("id", "project", "kind", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("serial", "project__name")
    list_select_related = ("project",)
    raw_id_fields = ("project", "photo", "integration")
    readonly_fields = [f.name for f in RelayItem._meta.fields]
    actions = ["republish"]

    @admin.action(description="Send the selected failed items again")
    def republish(self, request, queryset):
        from accounts.actors import Actor

        from .relay import republish

        # The admin is staff, not a sub-user: act as the system of each item's account.
        for item in queryset.filter(status=RelayStatus.FAILED).select_related("project__account"):
            republish(items=[item], actor=Actor.system(item.project.account, f"Admin {request.user}"))

    def has_add_permission(self, request):
        return False


from .share import admin as share_admin  # noqa: E402, F401  (registers Share's models)

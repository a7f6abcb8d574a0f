"""Django admin for add-ons and deliveries. The signing secret is never shown (the field is not editable),
and add-ons are made through the API, which shows the secret once."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from . import services
from .models import WmsAddon, WmsDelivery


@admin.register(WmsAddon)
class WmsAddonAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "url", "enabled", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "url", "account__name")
    list_select_related = ("account",)
    raw_id_fields = ("account", "api_key")
    readonly_fields = ("account", "cursor", "created_at")
    fields = ("account", "name", "url", "events", "enabled", "api_key", "cursor", "created_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False


@admin.register(WmsDelivery)
class WmsDeliveryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "addon", "project", "sequence", "status", "attempts", "next_attempt_at")
    list_filter = ("status",)
    list_select_related = ("addon", "project")
    search_fields = ("addon__name", "project__name")
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    # The log is written by the delivery code; staff may only send an event again.
    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (parked or delivered ones)")
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                services.delivery_redeliver(delivery=delivery)
                done += 1
            except ValidationError:
                pass  # still pending or sending: it is going out anyway
        self.message_user(request, f"{done} delivery(ies) queued again.", messages.SUCCESS)

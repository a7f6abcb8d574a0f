"""Share in the admin: read-mostly, for support. Keys are issued through the API (shown once), never here."""

from django.contrib import admin

from .models import HandOver, ShareLink, ShareReceipt


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "subcontractor", "photo_status", "created_at", "revoked_at")
    list_filter = ("photo_status",)
    search_fields = ("name", "account__name", "key_prefix")
    readonly_fields = ("account", "key_prefix", "key_digest", "subcontractor", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(HandOver)
class HandOverAdmin(admin.ModelAdmin):
    list_display = ("project", "link", "handed_at", "taken_back_at")
    readonly_fields = ("link", "project", "handed_at", "handed_by_label", "taken_back_at")
    list_select_related = ("project", "link")

    def has_add_permission(self, request):
        return False


@admin.register(ShareReceipt)
class ShareReceiptAdmin(admin.ModelAdmin):
    list_display = ("serial", "kind", "link", "received_at")
    readonly_fields = ("link", "serial", "kind", "received_at")

    def has_add_permission(self, request):
        return False

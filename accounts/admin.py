from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Account, ApiKey, User, UserToken


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "account", "role", "wms_contractor_id", "is_active")
    list_filter = ("role", "is_active", "account")
    search_fields = ("email", "full_name", "wms_contractor_id")
    list_select_related = ("account",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Sub-user", {"fields": ("account", "full_name", "role", "wms_contractor_id")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "account", "role", "password1", "password2")}),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    # Keys are issued through the app or `create_api_key` (shown once); the admin never sees them.
    list_display = ("name", "prefix", "account", "role", "created_at", "last_used_at", "revoked_at")
    list_filter = ("role",)
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    list_select_related = ("account",)

    def has_add_permission(self, request):
        return False


@admin.register(UserToken)
class UserTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

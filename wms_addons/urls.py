"""Routes of the add-ons page: WMS add-ons, their delivery log, and the account's API keys."""

from django.urls import path

from . import views

urlpatterns = [
    path("addons/", views.addon_list, name="addons"),
    path("addons/new", views.addon_new, name="addon-new"),
    path("addons/<int:pk>/", views.addon_detail, name="addon"),
    path("addons/<int:pk>/settings", views.addon_settings, name="addon-settings"),
    path("addons/<int:pk>/delete", views.addon_delete, name="addon-delete"),
    path("deliveries/<int:pk>/redeliver", views.delivery_redeliver, name="delivery-redeliver"),
    path("api-keys/new", views.api_key_new, name="api-key-new"),
    path("api-keys/<int:pk>/revoke", views.api_key_revoke, name="api-key-revoke"),
]

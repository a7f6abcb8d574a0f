"""/api/v1/: each app owns its routes in its own ``api_urls`` module."""

from django.urls import include, path

urlpatterns = [
    path("", include(f"{app}.api_urls"))
    for app in ("accounts", "projects", "photos", "surveys", "integrations", "wms_addons")
]

"""/api/v1/: each app owns its routes in its own ``api_urls`` module."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("projects.api_urls")),
]

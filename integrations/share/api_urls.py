"""/api/v1/ routes of Share, included by integrations/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("shares/", api.ShareListView.as_view(), name="api-shares"),
    path("shares/<int:pk>/", api.ShareDetailView.as_view(), name="api-share"),
    path("shares/<int:pk>/hand-over", api.ShareHandOverView.as_view(), name="api-share-hand-over"),
    path("projects/<int:pk>/hand-over", api.ProjectHandOverView.as_view(), name="api-project-hand-over"),
]

"""/api/v1/ routes of photos."""

from django.urls import path

from . import api

urlpatterns = [
    path("projects/<int:pk>/photos/", api.ProjectPhotoListView.as_view(), name="api-project-photos"),
    path("photos/bulk-approve", api.PhotoBulkApproveView.as_view(), name="api-photos-bulk-approve"),
    path("photos/<int:pk>/", api.PhotoDetailView.as_view(), name="api-photo"),
    path("photos/<int:pk>/approve", api.PhotoApproveView.as_view(), name="api-photo-approve"),
    path("photos/<int:pk>/reject", api.PhotoRejectView.as_view(), name="api-photo-reject"),
    path("photos/<int:pk>/file", api.PhotoFileView.as_view(), name="api-photo-file"),
    path(
        "photos/<int:pk>/thumbnail",
        api.PhotoFileView.as_view(rendition="thumbnail"),
        name="api-photo-thumbnail",
    ),
    path("photos/<int:pk>/display", api.PhotoFileView.as_view(rendition="display"), name="api-photo-display"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("projects/", api.ProjectListView.as_view(), name="api-projects"),
    path("projects/<int:pk>/", api.ProjectDetailView.as_view(), name="api-project"),
    path("projects/<int:pk>/assign", api.ProjectAssignView.as_view(), name="api-project-assign"),
    path("projects/<int:pk>/close", api.ProjectCloseView.as_view(), name="api-project-close"),
    path("projects/<int:pk>/events/", api.ProjectEventListView.as_view(), name="api-project-events"),
]

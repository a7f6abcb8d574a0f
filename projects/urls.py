from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/bulk", views.projects_bulk, name="projects-bulk"),
]

from django.urls import include, path

from . import project_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/<int:pk>/", project_views.project_detail, name="project"),
    path("projects/<int:pk>/complete", project_views.project_complete, name="project-complete"),
    path("projects/<int:pk>/check-in", project_views.project_check_in, name="project-check-in"),
    path("projects/<int:pk>/publish", project_views.project_publish, name="project-publish"),
    path(
        "projects/<int:pk>/surveys/<int:survey_id>",
        project_views.project_survey_answer,
        name="project-survey",
    ),
    path("projects/<int:pk>/portal", project_views.project_portal, name="project-portal"),
    path("projects/<int:pk>/history", project_views.project_history, name="project-history"),
    path("integrations/", views.integration_list, name="integrations"),
    path("integrations/new", views.integration_new, name="integration-new"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration"),
    path("integrations/<int:pk>/validate", views.integration_validate, name="integration-validate"),
    path("integrations/<int:pk>/apply-settings", views.integration_apply, name="integration-apply"),
    path("integrations/<int:pk>/refresh", views.integration_refresh, name="integration-refresh"),
    path("integrations/<int:pk>/log", views.integration_log, name="integration-log"),
    path("refresh-runs/<int:pk>/", views.refresh_run, name="refresh-run"),
    path("relays/", views.relays, name="relays"),
    path("relays/republish", views.relays_republish, name="relays-republish"),
    path("", include("integrations.share.urls")),
]

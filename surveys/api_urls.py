"""/api/v1/ routes of surveys. The check-in routes are integrations' (integrations/checkin_api.py):
checking in calls the client."""

from django.urls import path

from . import api

urlpatterns = [
    path("projects/<int:pk>/surveys/", api.ProjectSurveyListView.as_view(), name="api-project-surveys"),
    path(
        "projects/<int:pk>/surveys/<int:survey_id>/response",
        api.SurveyResponseView.as_view(),
        name="api-survey-response",
    ),
    path(
        "projects/<int:pk>/surveys/<int:survey_id>/response/submit",
        api.SurveyResponseSubmitView.as_view(),
        name="api-survey-response-submit",
    ),
]

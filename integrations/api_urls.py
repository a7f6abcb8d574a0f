"""/api/v1/ routes of integrations."""

from django.urls import path

from . import api, checkin_api
from .share import api_urls as share_urls

urlpatterns = [
    path("integrations/", api.IntegrationListView.as_view(), name="api-integrations"),
    path("integrations/<int:pk>/", api.IntegrationDetailView.as_view(), name="api-integration"),
    path("integrations/<int:pk>/validate", api.ValidateView.as_view(), name="api-integration-validate"),
    path("integrations/<int:pk>/refresh", api.RefreshView.as_view(), name="api-integration-refresh"),
    path(
        "integrations/<int:pk>/apply-settings", api.ApplySettingsView.as_view(), name="api-integration-apply"
    ),
    path("integrations/<int:pk>/events/", api.ImportLogView.as_view(), name="api-integration-events"),
    path("refresh-runs/<int:pk>/", api.RefreshRunView.as_view(), name="api-refresh-run"),
    path("projects/<int:pk>/complete", api.ProjectCompleteView.as_view(), name="api-project-complete"),
    path("projects/<int:pk>/publish", api.ProjectPublishView.as_view(), name="api-project-publish"),
    path("projects/<int:pk>/republish", api.ProjectRepublishView.as_view(), name="api-project-republish"),
    path(
        "projects/<int:pk>/relay-items/", api.ProjectRelayItemsView.as_view(), name="api-project-relay-items"
    ),
    path("relay-items/", api.RelayItemListView.as_view(), name="api-relay-items"),
    path("projects/<int:pk>/portal-link", api.PortalLinkView.as_view(), name="api-project-portal-link"),
    path("photos/<int:pk>/republish", api.PhotoRepublishView.as_view(), name="api-photo-republish"),
]
urlpatterns += checkin_api.urlpatterns
urlpatterns += share_urls.urlpatterns

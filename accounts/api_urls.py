from django.urls import path

from . import api

urlpatterns = [
    path("users/me", api.MeView.as_view(), name="api-me"),
    path("users/", api.UserListView.as_view(), name="api-users"),
    path("users/<int:pk>/", api.UserDetailView.as_view(), name="api-user"),
    path("tokens/", api.TokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", api.TokenDetailView.as_view(), name="api-token"),
    path("api-keys/", api.ApiKeyListView.as_view(), name="api-api-keys"),
    path("api-keys/<int:pk>/", api.ApiKeyDetailView.as_view(), name="api-api-key"),
]

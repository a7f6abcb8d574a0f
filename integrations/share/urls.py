"""Routes of the primary vendor's Share pages, included by integrations/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("shares/", views.share_list, name="shares"),
    path("shares/new", views.share_new, name="share-new"),
    path("shares/<int:pk>/", views.share_detail, name="share"),
    path("shares/<int:pk>/settings", views.share_settings, name="share-settings"),
    path("shares/<int:pk>/revoke", views.share_revoke, name="share-revoke"),
    path("shares/<int:pk>/hand-over", views.share_hand_over, name="share-hand-over"),
    path("shares/<int:pk>/take-back", views.share_take_back, name="share-take-back"),
    path("projects/<int:pk>/hand-over", views.project_hand_over, name="project-hand-over"),
]

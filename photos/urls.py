from django.urls import path

from . import views

urlpatterns = [
    path("qa/", views.qa_queue, name="qa-queue"),
    path("qa/<int:pk>/", views.qa_photo, name="qa-photo"),
    path("qa/approve", views.photos_bulk_approve, name="qa-bulk-approve"),
    path("photos/<int:pk>/approve", views.photo_approve, name="photo-approve"),
    path("photos/<int:pk>/reject", views.photo_reject, name="photo-reject"),
    path("photos/<int:pk>/move", views.photo_move, name="photo-move"),
    path("photos/<int:pk>/discard", views.photo_discard, name="photo-discard"),
]

"""/api/v1/ routes of wms_addons."""

from django.urls import path

from . import api

urlpatterns = [
    path("wms/addons/", api.AddonListView.as_view(), name="api-wms-addons"),
    path("wms/addons/<int:pk>/", api.AddonDetailView.as_view(), name="api-wms-addon"),
    path("wms/deliveries/", api.DeliveryListView.as_view(), name="api-wms-deliveries"),
    path(
        "wms/deliveries/<int:pk>/redeliver",
        api.DeliveryRedeliverView.as_view(),
        name="api-wms-delivery-redeliver",
    ),
]

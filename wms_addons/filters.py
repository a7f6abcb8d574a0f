"""Filters of the delivery log."""

import django_filters

from config.api.filters import ID_BOUNDS

from .models import DeliveryStatus, WmsDelivery


class DeliveryFilter(django_filters.FilterSet):
    addon = django_filters.NumberFilter(field_name="addon_id", **ID_BOUNDS)
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    project = django_filters.NumberFilter(field_name="project_id", **ID_BOUNDS)

    class Meta:
        model = WmsDelivery
        fields = ["addon", "status", "project"]

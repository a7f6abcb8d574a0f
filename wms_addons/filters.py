"""Filters of the delivery log."""

import django_filters

from config.db import MAX_ID

from .models import DeliveryStatus, WmsDelivery

# An id past the bigint column overflows the database driver (a 500): reject it as a bad filter instead.
ID_BOUNDS = {"min_value": 1, "max_value": MAX_ID}


class DeliveryFilter(django_filters.FilterSet):
    addon = django_filters.NumberFilter(field_name="addon_id", **ID_BOUNDS)
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    project = django_filters.NumberFilter(field_name="project_id", **ID_BOUNDS)

    class Meta:
        model = WmsDelivery
        fields = ["addon", "status", "project"]

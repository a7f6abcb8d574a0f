"""Filters of the integrations API's lists."""

import django_filters

from config.api.filters import IdFilter, StrictBooleanFilter

from .models import EventLevel, Health, Integration, IntegrationEvent, RelayItem, RelayKind, RelayStatus
from .registry import KIND_CHOICES


class IntegrationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES)
    enabled = StrictBooleanFilter()
    health = django_filters.ChoiceFilter(choices=Health.choices)

    class Meta:
        model = Integration
        fields = ["kind", "enabled", "health"]


class ImportLogFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=EventLevel.choices)
    run = IdFilter(field_name="run_id", help_text="A refresh run's id: that run's lines only.")

    class Meta:
        model = IntegrationEvent
        fields = ["level", "run"]


class RelayItemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RelayStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RelayKind.choices)

    class Meta:
        model = RelayItem
        fields = ["status", "kind"]


class AccountRelayItemFilter(RelayItemFilter):
    project = IdFilter(field_name="project_id", help_text="A project's id: its items only.")
    integration = IdFilter(field_name="integration_id", help_text="An integration's id: its items only.")

    class Meta(RelayItemFilter.Meta):
        fields = ["status", "kind", "project", "integration"]

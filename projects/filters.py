"""Filters of the project list, shared by the API and the projects page."""

import django_filters
from django.db.models import Q

from .models import Project, ProjectStatus

MAX_ID = 2**63 - 1


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)
    # Ids are bounded like the id columns: a larger number overflows the database driver (a 500).
    integration = django_filters.NumberFilter(field_name="integration_id", min_value=1, max_value=MAX_ID)
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", help_text='A user id, or "none".')
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    zip = django_filters.CharFilter(field_name="zip", lookup_expr="startswith")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    search = django_filters.CharFilter(
        method="filter_search", help_text="Name, address, city or order number."
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("due_date", "due_date"),
            ("name", "name"),
            ("updated_at", "updated_at"),
            ("zip", "zip"),
            ("status", "status"),
            ("created_at", "created_at"),
        )
    )

    class Meta:
        model = Project
        fields = [
            "status",
            "integration",
            "assigned_to",
            "due_before",
            "due_after",
            "zip",
            "updated_since",
            "search",
        ]

    def filter_assigned_to(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if not value.isdigit() or int(value) > MAX_ID:
            return queryset.none()
        return queryset.filter(assignee_id=int(value))

    def filter_search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(name__icontains=term)
            | Q(address1__icontains=term)
            | Q(city__icontains=term)
            | Q(source_ref=term)
        )

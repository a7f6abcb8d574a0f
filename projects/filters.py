"""Filters of the project list, shared by the API and the projects page."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from config.api.filters import IdFilter
from config.posted import posted_id

from .models import EventType, Project, ProjectEvent, ProjectStatus


def search_q(term: str) -> Q:
    """What the projects table's search box matches: name, address or city, or the exact order number."""
    return (
        Q(name__icontains=term) | Q(address1__icontains=term) | Q(city__icontains=term) | Q(source_ref=term)
    )


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC. PostgreSQL refuses offsets past ±15:59, which ISO
    allows (a 500); a time that leaves years 1-9999 once in UTC is refused as bad input."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("Enter a time between the years 1 and 9999.", code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)
    # Ids are bounded like the id columns: a larger number overflows the database driver (a 500).
    integration = IdFilter(field_name="integration_id")
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", help_text='A user id, or "none".')
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    zip = django_filters.CharFilter(field_name="zip", lookup_expr="startswith")
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        # A change is stamped when its transaction starts and seen when it commits, up to a page later.
        help_text="Projects changed at or after this time. Poll from a minute before your previous poll: "
        "a change is stamped before its transaction commits, so a window that starts exactly where the last "
        "one ended can miss one. Seeing a project twice is harmless (its events carry a sequence).",
    )
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
        user_id = posted_id(value)  # "²" passes str.isdigit() but not int()
        return queryset.filter(assignee_id=user_id) if user_id else queryset.none()

    def filter_search(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(search_q(term)) if term else queryset


class ProjectEventFilter(django_filters.FilterSet):
    """Filters of a project's history."""

    type = django_filters.MultipleChoiceFilter(
        choices=EventType.choices, help_text="One or more event types (repeat the parameter)."
    )
    since = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Events at or after this time."
    )

    class Meta:
        model = ProjectEvent
        fields = ["type", "since"]

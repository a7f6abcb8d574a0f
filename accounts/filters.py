"""Filters of the sub-user list."""

import django_filters

from config.api.filters import StrictBooleanFilter

from .models import Role, User


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields = ["role", "is_active"]

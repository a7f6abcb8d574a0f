"""Filters of a project's photo list."""

import django_filters

from config.api.filters import IdFilter, StrictBooleanFilter
from projects.models import EvidenceType

from .models import Photo, PhotoSource, PhotoStatus


class PhotoFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PhotoStatus.choices)
    task = IdFilter(field_name="task_id")
    evidence_type = django_filters.ChoiceFilter(choices=EvidenceType.choices)
    source = django_filters.ChoiceFilter(choices=PhotoSource.choices)
    possible_reuse = StrictBooleanFilter()

    class Meta:
        model = Photo
        fields = ("status", "task", "evidence_type", "source", "possible_reuse")

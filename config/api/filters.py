"""Filters shared by the apps' API lists."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from config.db import MAX_ID

# An id past the bigint column overflows the database driver (a 500): refuse it as a bad filter instead.
ID_BOUNDS = {"min_value": 1, "max_value": MAX_ID}


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number (NumberFilter alone would take 1.5) within the id column's bounds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**ID_BOUNDS, **kwargs})


class StrictBooleanField(forms.Field):
    """``true``/``false`` or ``1``/``0``, in any case; empty means no filter. Anything else is an error:
    Django's NullBooleanField reads it as "unknown", and the list would silently come back unfiltered."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def __init__(self, *, param: str = "", **kwargs):
        self.param = param
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = self.VALUES.get(str(value).strip().lower())
        if parsed is None:
            raise ValidationError(
                "%(param)s must be true or false (or 1 or 0), not %(value)r.",
                code="invalid",
                params={"param": self.param or "This filter", "value": str(value)[:50]},
            )
        return parsed


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A BooleanFilter that answers 400 for a value it cannot read, naming its query parameter."""

    field_class = StrictBooleanField

    @property
    def field(self):
        field = super().field
        # The parameter's name is the filterset's key (``active`` filters ``enabled``): only the parent knows.
        parent = getattr(self, "parent", None)
        names = [name for name, f in parent.filters.items() if f is self] if parent is not None else []
        field.param = names[0] if names else self.field_name
        return field

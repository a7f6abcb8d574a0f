"""Base views shared by the apps' APIs."""

from rest_framework import generics


class ScopedListAPIView(generics.ListAPIView):
    """A list whose rows come from a tenancy selector, in ``scoped_queryset()``.

    drf-spectacular builds the schema without a caller (no account to scope by): an empty queryset of
    ``model`` stands in then, so the schema still knows the rows' type.
    """

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()

    def scoped_queryset(self):
        raise NotImplementedError

"""Base views shared by the apps' APIs."""

from rest_framework import generics, status
from rest_framework.response import Response


def shown_once(body: dict) -> Response:
    """201 with a secret in it (a key, a token, a signing secret): its only appearance, so no cache or proxy
    may keep a copy."""
    response = Response(body, status=status.HTTP_201_CREATED)
    response["Cache-Control"] = "no-store"
    return response


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

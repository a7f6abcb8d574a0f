"""A URLconf for tests only: the real routes and error handlers, plus views that fail on purpose (under
/api/ and elsewhere), so the 500, 403 and 400 handlers can be seen answering. Never in production urls."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as real_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class Broken(RuntimeError):
    """What a bug looks like to the handler: an exception nobody caught."""


class BrokenApiView(APIView):
    permission_classes = []

    def get(self, request):
        raise Broken("secret internals: password=hunter2")


def broken_page(request):
    raise Broken("secret internals: password=hunter2")


def forbidden(request):
    raise PermissionDenied("not for you")


def suspicious(request):
    raise SuspiciousOperation("odd request")


urlpatterns = [
    path("api/v1/_test/broken", BrokenApiView.as_view()),
    path("api/v1/_test/forbidden", forbidden),
    path("api/v1/_test/suspicious", suspicious),
    path("_test/broken", broken_page),
    path("_test/forbidden", forbidden),
    *real_urlpatterns,
]

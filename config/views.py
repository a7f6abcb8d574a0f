"""Operational endpoints, and the error pages: JSON under /api/ (DESIGN.md §7), HTML elsewhere."""

from django.db import connection
from django.http import JsonResponse
from django.views import defaults

from .celery import app as celery_app


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        return f"error: {exc.__class__.__name__}"


def _broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def healthz(request):
    """The database and the broker, each "ok" or why not; 503 when either is down."""
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


# The handlers Django calls for what no view answered: an unknown path, an unhandled exception, a bad request
# or a PermissionDenied outside DRF. DRF's own errors are JSON already (config/api/exceptions.py).


def bad_request(request, exception):
    if _is_api(request):
        return _api_error("Bad request.", "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _api_error("You do not have permission to perform this action.", "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _api_error("Not found.", "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        # Never the exception's text: it may name internals. The traceback goes to the log, as Django does.
        return _api_error("A server error occurred.", "server_error", 500)
    return defaults.server_error(request)

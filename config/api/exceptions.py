"""Every API error is JSON ``{"detail": ..., "code": ...}``, with ``errors`` per field when there are any.

Services raise Django's ValidationError and PermissionDenied; they become 400 and 403 here, so services
never need to know about DRF.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {field: [m for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    else:
        detail = {"non_field_errors": exc.messages}
    error = exceptions.ValidationError(detail)
    error.default_code = getattr(exc, "code", None) or "invalid"
    return error


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        flat = errors.get("non_field_errors") or []
        detail = str(flat[0]) if flat else "Some fields are not valid."
        response.data = {"detail": detail, "code": exc.default_code or "invalid", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "detail": str(getattr(exc, "detail", exc)),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response

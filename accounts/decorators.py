"""Page access by role. Services check again: this only answers early with 403 instead of a broken page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role


def role_required(role: str = Role.FIELD):
    """Signed in, a sub-user of an account, at least ``role``; otherwise 403 (sign in first if anonymous)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.account_id or not user.has_role(role):
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def form_errors(form, exc) -> None:
    """Put a service's ValidationError on the form: per field where it names one the form has."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)

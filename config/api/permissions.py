"""Role checks for API views. Finer rules (the assigned crew only, locked tasks) live in the services."""

from rest_framework.permissions import BasePermission

from accounts.actors import as_actor
from accounts.models import Role


class _AtLeast(BasePermission):
    role = Role.FIELD
    message = "Your role cannot do this."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        try:
            return as_actor(user).has_role(self.role)
        except PermissionError:
            return False


class IsAccountMember(_AtLeast):
    role = Role.FIELD
    message = "Sign in as a sub-user of a vendor account."


class IsCoordinator(_AtLeast):
    role = Role.COORDINATOR
    message = "Only coordinators, admins and owners can do this."


class IsAdmin(_AtLeast):
    role = Role.ADMIN
    message = "Only admins and owners can do this."


class IsSubUser(BasePermission):
    """A sub-user acting as themselves (a session or their own token), not an account's API key."""

    message = "Sign in as a sub-user: an API key cannot do this."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        try:
            return as_actor(user).user is not None
        except PermissionError:
            return False

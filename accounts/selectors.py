"""Reads for accounts and sub-users, always scoped to the caller's account."""

from django.db.models import QuerySet

from .actors import Actor
from .models import ApiKey, User


def users_visible_to(actor: Actor) -> QuerySet[User]:
    users = User.objects.filter(account_id=actor.account_id).order_by("full_name", "email")
    if actor.is_field:
        # Field crews see themselves only.
        users = users.filter(pk=actor.user.pk)
    return users


def user_by_contractor_id(actor: Actor, wms_contractor_id: str) -> User | None:
    return User.objects.filter(
        account_id=actor.account_id, wms_contractor_id=wms_contractor_id, is_active=True
    ).first()


def api_keys_of(actor: Actor) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(account_id=actor.account_id).order_by("-created_at")

"""Reads for accounts and sub-users, always scoped to the caller's account."""

from django.db.models import QuerySet
from django.http import Http404

from .actors import Actor
from .models import ApiKey, User, UserToken


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


def active_api_keys_of(actor: Actor) -> QuerySet[ApiKey]:
    """The account's keys that still work, newest first, with who made each."""
    return (
        api_keys_of(actor)
        .filter(revoked_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def api_key_get(actor: Actor, pk) -> ApiKey:
    """One working key of the caller's account, or Http404 (another account's id included)."""
    key = active_api_keys_of(actor).filter(pk=pk).first()
    if key is None:
        raise Http404("No such API key.")
    return key


def user_tokens_of(actor: Actor) -> QuerySet[UserToken]:
    """The caller's own working tokens, newest first. An API key has no user, hence no tokens."""
    if actor.user is None:
        return UserToken.objects.none()
    return UserToken.objects.filter(user_id=actor.user.pk, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def user_token_get(actor: Actor, pk) -> UserToken:
    """One of the caller's own working tokens, or Http404 (anyone else's id included)."""
    token = user_tokens_of(actor).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    return token

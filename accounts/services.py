"""Writes for accounts, sub-users and credentials. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from .actors import Actor
from .models import Account, ApiKey, Role, User, UserToken
from .secrets import new_secret


@dataclass(frozen=True)
class IssuedKey:
    """A credential just made: ``key`` is its only plain-text appearance."""

    record: ApiKey | UserToken
    key: str


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "vendor"
    slug, n = base, 1
    while Account.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def account_create(
    *,
    name: str,
    owner_email: str,
    owner_password: str,
    time_zone: str = "America/Chicago",
    owner_name: str = "",
) -> Account:
    """A vendor registers its own master account and becomes its owner (seed 002)."""
    email = owner_email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"owner_email": "A user with this e-mail already exists."})
    validate_password(owner_password)
    account = Account(name=name.strip(), slug=_unique_slug(name), time_zone=time_zone)
    account.full_clean()
    account.save()
    User.objects.create_user(email, owner_password, account=account, role=Role.OWNER, full_name=owner_name)
    return account


@transaction.atomic
def user_create(
    *,
    account: Account,
    email: str,
    password: str | None = None,
    role: str = Role.FIELD,
    full_name: str = "",
    wms_contractor_id: str = "",
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "A user with this e-mail already exists."})
    _check_contractor_id(account=account, wms_contractor_id=wms_contractor_id, exclude=None)
    if password:
        validate_password(password)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email,
                password,
                account=account,
                role=role,
                full_name=full_name.strip(),
                wms_contractor_id=wms_contractor_id.strip(),
            )
    except IntegrityError as exc:  # a concurrent create took the e-mail or the contractor id
        raise _taken(email=email) from exc


def _taken(**fields) -> ValidationError:
    """What a unique constraint hit by a concurrent write means to the person who sent the form."""
    if "email" in fields and User.objects.filter(email=fields["email"]).exists():
        return ValidationError({"email": "A user with this e-mail already exists."})
    return ValidationError({"wms_contractor_id": "Another sub-user already has this WMS contractor id."})


def _check_contractor_id(*, account: Account, wms_contractor_id: str, exclude: User | None) -> None:
    if not wms_contractor_id:
        return
    clash = User.objects.filter(account=account, wms_contractor_id=wms_contractor_id.strip())
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError({"wms_contractor_id": "Another sub-user already has this WMS contractor id."})


def _require_manager_of(actor: Actor, user: User, *, new_role: str | None = None) -> None:
    """Admins manage the account's sub-users; an owner, or making one, is an owner's business only."""
    if actor.account_id != user.account_id or not actor.has_role(Role.ADMIN):
        raise PermissionDenied(f"Your role ({actor.role}) cannot manage sub-users.")
    if Role.OWNER in (user.role, new_role) and not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner can change owners.")


@transaction.atomic
def user_update(*, user: User, actor: Actor, **fields) -> User:
    """Change a sub-user's name, role, WMS contractor id or active flag. The last active owner stays."""
    allowed = {"full_name", "role", "wms_contractor_id", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Cannot change: {', '.join(sorted(unknown))}")
    _require_manager_of(actor, user, new_role=fields.get("role"))
    if "wms_contractor_id" in fields:
        fields["wms_contractor_id"] = (fields["wms_contractor_id"] or "").strip()
        _check_contractor_id(
            account=user.account, wms_contractor_id=fields["wms_contractor_id"], exclude=user
        )
    demoting = user.role == Role.OWNER and (
        fields.get("role", Role.OWNER) != Role.OWNER or fields.get("is_active") is False
    )
    if demoting:
        # Two owners demoting each other at once would each see the other still owner: one at a time.
        Account.objects.select_for_update().get(pk=user.account_id)
    if (
        demoting
        and not User.objects.filter(account=user.account, role=Role.OWNER, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    ):
        raise ValidationError("An account keeps at least one active owner.")
    for name, value in fields.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(fields))
    except IntegrityError as exc:  # another sub-user took the contractor id since the check
        raise _taken() from exc
    return user


@transaction.atomic
def user_set_password(*, user: User, actor: Actor, password: str) -> User:
    """An admin sets a sub-user's password (the team page). Whoever sets another admin's or an owner's
    password could sign in as them: only an owner may."""
    _require_manager_of(actor, user)
    someone_else = user.pk != (actor.user.pk if actor.user else None)
    if user.role == Role.ADMIN and someone_else and not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner can set another admin's password.")
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_tokens_revoke_all(user=user)
    return user


def user_tokens_revoke_all(*, user: User) -> int:
    """A new password retires the field app's tokens: whoever learnt the old one keeps no way in."""
    return UserToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@sensitive_variables("key")
@transaction.atomic
def api_key_issue(
    *, account: Account, name: str, role: str = Role.ADMIN, created_by: User | None = None
) -> IssuedKey:
    key, prefix, key_digest = new_secret("vdk")
    record = ApiKey.objects.create(
        account=account,
        name=name.strip() or "API key",
        prefix=prefix,
        digest=key_digest,
        role=role,
        created_by=created_by,
    )
    return IssuedKey(record=record, key=key)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


@sensitive_variables("key")
def user_token_issue(*, user: User, name: str = "Field app") -> IssuedKey:
    key, prefix, key_digest = new_secret("vdt")
    record = UserToken.objects.create(
        user=user, name=name.strip() or "Field app", prefix=prefix, digest=key_digest
    )
    return IssuedKey(record=record, key=key)


# One message for every way signing in can fail: it never tells whether the e-mail exists.
INVALID_CREDENTIALS = "Unable to sign in with this e-mail and password."


@sensitive_variables("password")
@transaction.atomic
def user_token_obtain(*, email: str, password: str, name: str = "Field app") -> IssuedKey:
    """A sub-user's e-mail and password exchanged for a new token (the field app signing in).

    Django's backend checks the password (hashing even for an unknown e-mail, so the time taken does not
    tell either) and refuses inactive users; staff without an account get no token either.
    """
    user = authenticate(None, email=email.strip().lower(), password=password)
    if user is None or user.account_id is None:
        raise ValidationError(INVALID_CREDENTIALS, code="invalid_credentials")
    return user_token_issue(user=user, name=name)


def user_token_revoke(*, token: UserToken) -> UserToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

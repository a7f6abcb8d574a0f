"""The tenant (Account), its sub-users, and the credentials the API accepts (API keys, user tokens)."""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone: {value}")


class Account(models.Model):
    """One vendor company: the tenant. Every row a vendor owns carries its account."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone])
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    COORDINATOR = "coordinator", "Coordinator"
    FIELD = "field", "Field"


# Higher ranks may do everything lower ranks may.
ROLE_RANK = {Role.FIELD: 0, Role.COORDINATOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A sub-user of an account. Staff superusers (Django admin only) may have no account."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.FIELD)
    wms_contractor_id = models.CharField(
        "WMS contractor id", max_length=100, blank=True, help_text="How the vendor's WMS names this person."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "wms_contractor_id"],
                condition=~Q(wms_contractor_id=""),
                name="user_wms_contractor_id_unique_per_account",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self):
        return self.full_name or self.email

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


# The roles a key may have: the OpenAPI schema's ApiKeyRoleEnum (config/settings/base.py names it).
KEY_ROLES = [(Role.ADMIN, "Admin"), (Role.COORDINATOR, "Coordinator")]


class ApiKey(models.Model):
    """An account's key for add-ons and scripts. Only the SHA-256 digest is stored; the key is shown once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a key.")
    digest = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=KEY_ROLES, default=Role.ADMIN)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class UserToken(models.Model):
    """A user's own token (the field app). Stored as a SHA-256 digest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, default="Field app")
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

"""Credentials encrypted at rest with MultiFernet keys from FIELD_ENCRYPTION_KEY (comma-separated, newest
first). Old keys keep decrypting until ``rotate_field_keys`` re-encrypts with the newest."""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialsUnreadable(Exception):
    """No configured key decrypts the stored value: the user must enter the credentials again."""

    message = "Credentials unreadable, enter them again."


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    return MultiFernet([Fernet(k) for k in parts])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY)


def encrypt_json(value: dict) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise CredentialsUnreadable(CredentialsUnreadable.message) from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key; raises CredentialsUnreadable for a value no key opens."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable(CredentialsUnreadable.message) from exc


# Apps that keep encrypted values register how to re-encrypt them (in AppConfig.ready), so that
# `rotate_field_keys` reaches every one without importing the apps it does not own.
ROTATORS: dict[str, object] = {}


def register_rotator(label: str, rotate_all) -> None:
    """``rotate_all()`` re-encrypts every stored value with the newest key; returns (rotated, unreadable)."""
    ROTATORS[label] = rotate_all

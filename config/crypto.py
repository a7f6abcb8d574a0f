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


# Apps that keep encrypted columns register them (in AppConfig.ready), so that `rotate_field_keys` reaches
# every one without importing the apps it does not own.
ENCRYPTED_COLUMNS: dict[str, tuple] = {}


def register_encrypted_column(label: str, model, field_name: str) -> None:
    ENCRYPTED_COLUMNS[label] = (model, field_name)


def rotate_column(model, field_name: str) -> tuple[int, int]:
    """Re-encrypt every value of one column with the newest key, in one transaction. Returns (rotated,
    unreadable); a value no key opens stays as it is (its owner must be entered again)."""
    from django.db import transaction

    rotated, unreadable = [], 0
    with transaction.atomic():
        rows = model.objects.select_for_update().exclude(**{field_name: ""}).only("pk", field_name)
        for row in rows:
            try:
                setattr(row, field_name, rotate(getattr(row, field_name)))
            except CredentialsUnreadable:
                unreadable += 1
                continue
            rotated.append(row)
        model.objects.bulk_update(rotated, [field_name], batch_size=500)
    return len(rotated), unreadable

"""Random credentials shown once and stored only as SHA-256 digests.

A digest of a long random key needs no salt or slow hash: guessing is hopeless and lookup stays one indexed
equality query per request.
"""

import hashlib
import secrets


def new_secret(prefix: str) -> tuple[str, str, str]:
    """Return (the key to show once, its display prefix, its digest)."""
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return key, key[: len(prefix) + 7], digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()

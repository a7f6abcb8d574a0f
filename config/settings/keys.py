"""Development keys generated once into DATA_DIR, so a laptop needs no set-up and restarts keep sessions
and encrypted credentials readable. Production never calls this: it requires the keys from the environment."""

import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Write to a temporary name first so a concurrent process never reads half a key.
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path.read_text().strip()


def dev_secret_key(data_dir: Path) -> str:
    return _read_or_create(data_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def dev_field_encryption_key(data_dir: Path) -> str:
    return _read_or_create(data_dir / "field_encryption_key", lambda: Fernet.generate_key().decode())

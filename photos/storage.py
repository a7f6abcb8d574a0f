"""Where photo files live, and how they are named.

A ``photos`` entry in ``STORAGES`` (a private bucket in production) wins; otherwise the default storage. Files
are never linked from a public media URL: names are unguessable and the API serves them after a permission
check (DESIGN.md §5).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def photo_storage() -> Storage:
    return storages["photos"] if "photos" in settings.STORAGES else storages["default"]


def photo_names(*, account_id: int, project_id: int, image_format: str) -> tuple[str, str, str]:
    """Names for the original, the thumbnail and the display rendition of one new photo.

    A fresh random UUID, never the uploader's serial: clients choose serials, and others may know them.
    """
    stem = f"photos/{account_id}/{project_id}/{uuid.uuid4().hex}"
    return f"{stem}.{EXTENSIONS[image_format]}", f"{stem}_thumb.jpg", f"{stem}_display.jpg"


def delete_quietly(names: list[str]) -> None:
    """Remove files written for an upload that did not make it into the database."""
    storage = photo_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # best effort: the original error is the one worth reporting
            continue

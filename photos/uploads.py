"""Upload limits applied while a request streams in, before anything is stored: a file part past
``PHOTO_MAX_BYTES`` stops being kept (the rest of it is read and dropped), and a request larger than the most
a photo upload can be is not read into files at all. Without this Django writes every part, of any size, to
temporary disk before the photo checks (photos/imaging.py) get to refuse it.

What was refused is noted on the request; ``refusal(request)`` gives the message the upload answers with."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload

MAX_FILES = 50  # file parts in one upload (photos.serializers.PhotoUploadInput)
_MB = 1024 * 1024


def _limit_mb() -> str:
    return f"{settings.PHOTO_MAX_BYTES / _MB:,.4g} MB"


class PhotoSizeLimit(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes each chunk on while the file is within the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.PHOTO_MAX_BYTES * MAX_FILES + _MB:
            self.request.upload_refused = (
                f"The upload is larger than {MAX_FILES} photos of {_limit_mb()}, the limit for a photo."
            )
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.PHOTO_MAX_BYTES:
            self.request.upload_refused = (
                f"{self.file_name} is larger than {_limit_mb()}, the limit for a photo."
            )
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler keeps the file


def refusal(request) -> str | None:
    """The message for an upload cut off while it streamed in, or None. ``request`` is Django's or DRF's."""
    return getattr(getattr(request, "_request", request), "upload_refused", None)

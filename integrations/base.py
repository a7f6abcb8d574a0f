"""The order-source contract (DESIGN.md §3): what every source must do, and what its errors mean.

A source speaks one client's wire format and nothing else. The importer (``importer.py``) and the relay
(``relay.py``) are shared by all sources and only ever see the types below.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

# --- errors: each says whether trying again can help -------------------------------------------------------


class SourceError(Exception):
    """The client could not be reached or answered something we cannot use. ``retryable`` says whether the
    same call may succeed later."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class AuthError(SourceError):
    """The client refused our credentials (the seeds' "sub-user validation error"). The integration's health
    becomes auth_failed and its jobs hold until the credentials change and validate."""

    DEFAULT_MESSAGE = (
        "Sub-user validation failed: the username and password entered in this integration are no longer "
        "valid. Enter the correct username and password, then click Validate."
    )

    def __init__(self, message: str = DEFAULT_MESSAGE, *, status: int | None = 401):
        super().__init__(message, status=status)


class TransientError(SourceError):
    """Timeouts, 5xx and FAStrack's "File Save Failed": retried with backoff."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, file_save_failed: bool = False):
        super().__init__(message, status=status)
        self.file_save_failed = file_save_failed


class RejectedError(SourceError):
    """The client refused this one item for a reason of its own: no retry; shown with the client's reason."""

    def __init__(self, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message, status=status)
        self.code = code


# --- what a feed carries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedService:
    ref: str
    name: str
    is_photo_task: bool = True
    form_ref: str = ""


@dataclass(frozen=True)
class ImportedForm:
    ref: str
    version: int
    name: str = ""


@dataclass(frozen=True)
class ImportedOrder:
    """One order as the importer needs it, whatever the client. ``services`` may still hold duplicate names:
    dropping them (and saying so in the log) is the importer's job."""

    ref: str
    name: str  # the project name, e.g. "AFS::22215251"
    address1: str
    address2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    due_date: date | None = None
    instructions: str = ""
    client_status: str = ""
    check_in_required: bool = False
    services: tuple[ImportedService, ...] = ()
    forms: tuple[ImportedForm, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def digest(self) -> str:
        """A fingerprint of everything the importer applies: equal digests mean nothing to write.

        Every refresh computes one per order, so it is built cheaply: the fields joined by a separator, or
        as JSON when a field holds the separator itself (the join would then be ambiguous)."""
        parts = [
            self.ref,
            self.name,
            self.address1,
            self.address2,
            self.city,
            self.state,
            self.zip,
            str(self.latitude),
            str(self.longitude),
            str(self.due_date),
            self.instructions,
            self.client_status,
            "1" if self.check_in_required else "0",
            str(len(self.services)),
        ]
        for s in self.services:
            parts += (s.ref, s.name, "1" if s.is_photo_task else "0", s.form_ref)
        for f in self.forms:
            parts += (f.ref, str(f.version), f.name)
        text = _SEPARATOR.join(parts)
        if text.count(_SEPARATOR) != len(parts) - 1:
            text = json.dumps(parts)
        return hashlib.blake2b(text.encode(), digest_size=32).hexdigest()


_SEPARATOR = "\x1f"  # ASCII unit separator


@dataclass(frozen=True)
class InvalidOrder:
    """An order the source could not use; the importer logs ``reason`` and skips it. ``ref`` may be empty."""

    ref: str
    reason: str


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed, applied by the importer in one transaction. ``total`` is the count the client
    announces for the whole feed (None when it announces none); ``last`` is True on the final page."""

    orders: list[ImportedOrder | InvalidOrder]
    total: int | None
    last: bool


@dataclass(frozen=True)
class OrderStatus:
    """What the client says of an order the feed no longer lists."""

    OPEN = "open"
    FINAL = "final"
    NOT_FOUND = "not_found"

    state: str
    close_reason: str = ""  # for FINAL: a projects.models.CloseReason value
    client_status: str = ""


@dataclass(frozen=True)
class SurveyTemplate:
    form_ref: str
    version: int
    name: str
    questions: list


class OrderSource:
    """Base class of a source. One instance serves one Integration (credentials, base URL) for one job.

    Every method may raise AuthError, TransientError or RejectedError; nothing else escapes but bugs.
    Uploads are idempotent by the item's serial: sending the same serial twice never makes two.
    """

    #: Whether the source has a portal page to embed (myFAStrack).
    has_portal = False
    #: The credentials the source cannot work without (write-only; checked when they are entered).
    credential_fields: tuple[str, ...] = ()

    def __init__(self, integration):
        self.integration = integration

    def validate(self) -> None:
        """Check the credentials: return, or raise AuthError (or SourceError when the client is down)."""
        raise NotImplementedError

    def fetch_orders(self) -> Iterator[FeedPage]:
        """Every order the client sends now, page by page, in the client's order."""
        raise NotImplementedError

    def order_status(self, ref: str) -> OrderStatus:
        """The state of one order that is no longer in the feed (auto-close and its reason)."""
        raise NotImplementedError

    def fetch_survey(self, form_ref: str, version: int) -> SurveyTemplate:
        raise NotImplementedError

    def upload_photo(self, item) -> None:
        raise NotImplementedError

    def submit_survey(self, item) -> None:
        raise NotImplementedError

    def check_in(self, item) -> None:
        raise NotImplementedError

    def complete_check_in(self, item) -> None:
        raise NotImplementedError

    def portal_url(self, project, user) -> str | None:
        """A short-lived link to the order's page in the client's portal, or None where there is none."""
        return None

"""What the back office's forms send outside a Django form: ids from checkboxes, selects, hidden inputs and
filter parameters, and the page to go back to. Read strictly, so that a malformed value is refused as a whole
instead of raising in a query or a reverse() (a 500) or being skipped while the rest is acted on."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.http import url_has_allowed_host_and_scheme

from .db import MAX_ID


def posted_id(value: str | None) -> int | None:
    """The id a field holds, or None for anything else: empty, signed, spaced, non-ASCII digits ("²" passes
    str.isdigit() but not int()), zero, or beyond the database's 64-bit ids."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def posted_ids(values: Iterable[str]) -> list[int] | None:
    """The distinct ids of a field of ticked boxes, sorted; None when any value is not an id."""
    ids = [posted_id(value) for value in values]
    return None if None in ids else sorted(set(ids))


def posted_next(request, default: str) -> str:
    """The ``next`` path a form asks to go back to, when it is a printable path of this site; else
    ``default`` (a URL name or a path). A bare word would be taken for a URL name by redirect()."""
    back = request.POST.get("next", "")
    if (
        back.startswith("/")
        and back.isprintable()
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        return back
    return default

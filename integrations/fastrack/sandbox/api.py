"""The FAStrack vendor API (``/api/v1``) as DESIGN.md §6 describes it, with the injected faults.

Contracts:
- Every call needs ``Authorization: Basic base64(username:password)``; otherwise 401 SUB_USER_VALIDATION.
- ``latencyMs`` is slept before anything else for a known username (even with a wrong password).
- ``authDown`` answers 401 to everything; ``uploadAuthDown`` answers 401 too, except that uploads (photos,
  answers, check-ins) answer 500 FILE_SAVE_FAILED, as FAStrack does when a password was changed.
- Uploads are idempotent per serial (201 first, 200 after). A photo attempt is counted once the caller is
  authenticated and the serial is known, before validation of the rest and before any fault is played.
- Fault ``timeout`` stores the item first and then sleeps, so a retry with the same serial must not duplicate.
- ``detailFailures`` (an addition to DESIGN.md's faults) lists order numbers whose detail answers 500, so a
  client failing halfway through auto-close's questions can be played; ``unavailable`` (another) makes the
  next N calls answer 503, to show which calls our client retries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time

from .store import Store, Vendor, now_iso
from .web import HttpError, Request, Response, json_response

EVIDENCE_TYPES = ("before", "during", "after")
ABC_PATTERN = re.compile(r"^[A-Za-z0-9]{6,12}$")
AUTH_FAILED = HttpError(401, "SUB_USER_VALIDATION", "Sub-user validation failed")
FILE_SAVE_FAILED = HttpError(500, "FILE_SAVE_FAILED", "File Save Failed")
MAX_LIMIT = 1000


def _credentials(req: Request) -> tuple[str, str] | None:
    header = req.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def authenticate(store: Store, req: Request, upload: bool = False) -> Vendor:
    """The vendor the call acts for, after the latency fault; raises the 401 (or 500 for uploads)."""
    creds = _credentials(req)
    vendor = store.vendor(creds[0]) if creds else None
    if vendor is None:
        raise AUTH_FAILED
    faults = dict(vendor.faults)
    if faults["latencyMs"]:
        time.sleep(float(faults["latencyMs"]) / 1000)
    if store.take_unavailable(vendor):
        raise HttpError(503, "UNAVAILABLE", "Service unavailable")
    if faults["uploadAuthDown"]:
        raise FILE_SAVE_FAILED if upload else AUTH_FAILED
    if faults["authDown"] or not secrets.compare_digest(creds[1].encode(), vendor.password.encode()):
        raise AUTH_FAILED
    return vendor


def _order(store: Store, vendor: Vendor, number: str) -> dict:
    order = store.find_order(vendor, number)
    if order is None:
        raise HttpError(404, "NOT_FOUND", f"Work order {number} not found")
    return order


def _int_param(req: Request, name: str, default: int | None) -> int | None:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise HttpError(400, "VALIDATION", f"{name} must be an integer") from None


def _play_failure(store: Store, vendor: Vendor) -> str | None:
    """Raise the injected failure for an upload, or return "timeout" (played after storing) or None."""
    mode = store.roll_failure(vendor)
    if mode == "http_500":
        raise HttpError(500, "INTERNAL", "Internal server error")
    if mode == "timeout":
        return mode
    if mode is not None:
        raise FILE_SAVE_FAILED
    return None


def _answer_upload(vendor: Vendor, mode: str | None, created: bool, serial: str) -> Response:
    if mode == "timeout":
        # Stored already: the client gives up waiting, retries with the same serial and must get a 200.
        time.sleep(float(vendor.faults["timeoutMs"] or 0) / 1000)
    return json_response(201 if created else 200, {"serial": serial})


def _serial(data: dict) -> str:
    serial = data.get("serial")
    if serial is None or str(serial).strip() == "":
        raise HttpError(400, "VALIDATION", "serial is required")
    return str(serial)


def ping(app, req: Request) -> Response:
    vendor = authenticate(app.store, req)
    return json_response(200, {"vendor": {"username": vendor.username}})


def list_orders(app, req: Request) -> Response:
    """Keyset paging over the listed orders; ``listFailurePage`` and ``totalDelta`` faults apply here."""
    vendor = authenticate(app.store, req)
    limit = _int_param(req, "limit", 100)
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, "VALIDATION", f"limit must be between 1 and {MAX_LIMIT}")
    after = _int_param(req, "after", None)
    with app.store.lock:
        orders, next_key, total, first = app.store.list_page(vendor, after, limit)
        fail_page = vendor.faults["listFailurePage"]
        if fail_page is not None and first // limit + 1 >= int(fail_page):
            raise HttpError(500, "INTERNAL", "Internal server error")
        total += int(vendor.faults["totalDelta"] or 0)
        # Serialise under the lock: PATCH and portal actions change order dicts in place.
        return json_response(200, {"workOrders": orders, "next": next_key, "total": total})


def order_detail(app, req: Request, number: str) -> Response:
    vendor = authenticate(app.store, req)
    if number in (vendor.faults["detailFailures"] or []):
        raise HttpError(500, "INTERNAL", "Internal server error")
    with app.store.lock:
        return json_response(200, _order(app.store, vendor, number))


def form_detail(app, req: Request, form_id: str) -> Response:
    authenticate(app.store, req)
    template = app.store.get_form(form_id, req.query.get("version") or None)
    if template is None:
        raise HttpError(404, "NOT_FOUND", f"Form {form_id} not found")
    return json_response(
        200,
        {
            "meta": {
                "surveyTemplateId": template["formId"],
                "version": template["version"],
                "name": template.get("name", ""),
            },
            "questions": template.get("questions", []),
        },
    )


def upload_photo(app, req: Request, number: str) -> Response:
    store = app.store
    vendor = authenticate(store, req, upload=True)
    order = _order(store, vendor, number)
    fields, files = req.multipart()
    serial = _serial(fields)
    store.count_attempt(vendor, serial)
    content = files.get("file")
    if not content:
        raise HttpError(400, "VALIDATION", "file is missing or empty")
    service_ids = {str(s.get("serviceId")) for s in order.get("services") or [] if isinstance(s, dict)}
    if fields.get("serviceId") not in service_ids:
        message = f"serviceId {fields.get('serviceId')!r} is not a service of the order"
        raise HttpError(400, "VALIDATION", message)
    if fields.get("evidenceType") not in EVIDENCE_TYPES:
        raise HttpError(400, "VALIDATION", "evidenceType must be one of before, during, after")
    if not fields.get("flag"):
        raise HttpError(400, "VALIDATION", "flag is required")
    mode = _play_failure(store, vendor)
    record = {
        "serial": serial,
        "workOrderNumber": number,
        "serviceId": fields["serviceId"],
        "evidenceType": fields["evidenceType"],
        "flag": fields["flag"],
        "takenAt": fields.get("takenAt"),
        "latitude": fields.get("latitude"),
        "longitude": fields.get("longitude"),
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "receivedAt": now_iso(),
    }
    return _answer_upload(vendor, mode, store.add_photo(vendor, record), serial)


def post_answers(app, req: Request, number: str, form_id: str) -> Response:
    store = app.store
    vendor = authenticate(store, req, upload=True)
    _order(store, vendor, number)
    if store.get_form(form_id) is None:
        raise HttpError(404, "NOT_FOUND", f"Form {form_id} not found")
    data = req.json()
    serial = _serial(data)
    if not isinstance(data.get("answers"), dict):
        raise HttpError(400, "VALIDATION", "answers must be an object keyed by question id")
    if not isinstance(data.get("photos") or {}, dict):
        raise HttpError(400, "VALIDATION", "photos must be an object of serials keyed by question id")
    mode = _play_failure(store, vendor)
    record = {
        "serial": serial,
        "workOrderNumber": number,
        "formId": form_id,
        "version": data.get("version"),
        "answers": data["answers"],
        "photos": data.get("photos") or {},
        "submittedAt": data.get("submittedAt"),
        "receivedAt": now_iso(),
    }
    return _answer_upload(vendor, mode, store.add_record(vendor, "answers", record), serial)


def checkin(app, req: Request, number: str) -> Response:
    store = app.store
    vendor = authenticate(store, req, upload=True)
    _order(store, vendor, number)
    data = req.json()
    serial = _serial(data)
    abc = str(data.get("abcNumber") or "")
    if not ABC_PATTERN.match(abc) or abc not in vendor.abc_numbers:
        raise HttpError(422, "INVALID_ABC_NUMBER", "Invalid ABC number")
    mode = _play_failure(store, vendor)
    record = {
        "type": "checkin",
        "serial": serial,
        "workOrderNumber": number,
        "abcNumber": abc,
        "checkedInAt": data.get("checkedInAt"),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "receivedAt": now_iso(),
    }
    return _answer_upload(vendor, mode, store.add_record(vendor, "checkins", record), serial)


def checkin_complete(app, req: Request, number: str) -> Response:
    store = app.store
    vendor = authenticate(store, req, upload=True)
    _order(store, vendor, number)
    data = req.json()
    serial = _serial(data)
    if not store.has_checkin(vendor, number):
        raise HttpError(409, "NO_CHECKIN", "There was no check-in for this work order")
    mode = _play_failure(store, vendor)
    record = {
        "type": "complete",
        "serial": serial,
        "workOrderNumber": number,
        "checklist": data.get("checklist") or {},
        "completedAt": data.get("completedAt"),
        "receivedAt": now_iso(),
    }
    return _answer_upload(vendor, mode, store.add_record(vendor, "checkins", record), serial)


def portal_session(app, req: Request) -> Response:
    vendor = authenticate(app.store, req)
    number = req.json().get("workOrderNumber")
    number = None if number is None else str(number)
    if number is None or app.store.find_order(vendor, number) is None:
        raise HttpError(404, "NOT_FOUND", f"Work order {number} not found")
    token, expires = app.store.create_session(vendor, number)
    return json_response(201, {"url": f"http://{req.host}/myfastrack/{token}", "expiresAt": expires})


_N = r"(?P<number>[^/]+)"
ROUTES = [
    ("GET", r"/api/v1/ping", ping),
    ("GET", r"/api/v1/workorders", list_orders),
    ("GET", rf"/api/v1/workorders/{_N}", order_detail),
    ("GET", r"/api/v1/forms/(?P<form_id>[^/]+)", form_detail),
    ("POST", rf"/api/v1/workorders/{_N}/photos", upload_photo),
    ("POST", rf"/api/v1/workorders/{_N}/forms/(?P<form_id>[^/]+)/answers", post_answers),
    ("POST", rf"/api/v1/workorders/{_N}/checkin", checkin),
    ("POST", rf"/api/v1/workorders/{_N}/checkin/complete", checkin_complete),
    ("POST", r"/api/v1/portal-sessions", portal_session),
]

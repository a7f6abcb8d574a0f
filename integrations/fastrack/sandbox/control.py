"""The sandbox's control API (``/_sandbox/...``): how tests and demos set FAStrack up and look inside it.

Contracts: JSON in and out; the server only routes here for loopback clients (403 otherwise). A vendor must
be created (``POST /_sandbox/vendors``) before orders or faults are given to it (404 UNKNOWN_VENDOR).
"""

from __future__ import annotations

import time

from . import generate
from .store import FAILURE_MODES, FAULT_DEFAULTS, RECEIVED_KINDS, Store, Vendor
from .web import HttpError, Request, Response, json_response


def _vendor(store: Store, username: object) -> Vendor:
    vendor = store.vendor(str(username)) if username is not None else None
    if vendor is None:
        raise HttpError(404, "UNKNOWN_VENDOR", f"Unknown vendor {username!r}: POST /_sandbox/vendors first")
    return vendor


def _vendor_of(store: Store, req: Request, data: dict | None = None) -> Vendor:
    username = (data or {}).get("vendor", req.query.get("vendor"))
    return _vendor(store, username)


def reset(app, req: Request) -> Response:
    username = req.json().get("vendor")
    app.store.reset(None if username is None else str(username))
    return json_response(200, {"reset": username or "everything"})


def put_vendor(app, req: Request) -> Response:
    data = req.json()
    username, password = data.get("username"), data.get("password")
    abc_numbers = data.get("abcNumbers") or []
    if not isinstance(username, str) or not username or not isinstance(password, str):
        raise HttpError(400, "VALIDATION", "username and password (strings) are required")
    if not isinstance(abc_numbers, list):
        raise HttpError(400, "VALIDATION", "abcNumbers must be a list")
    app.store.put_vendor(username, password, [str(n) for n in abc_numbers])
    return json_response(200, {"username": username})


def put_orders(app, req: Request) -> Response:
    data = req.json()
    vendor = _vendor_of(app.store, req, data)
    orders = data.get("workOrders")
    if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
        raise HttpError(400, "VALIDATION", "workOrders must be a list of objects")
    return json_response(200, {"stored": app.store.put_orders(vendor, orders)})


def get_order(app, req: Request, number: str) -> Response:
    vendor = _vendor_of(app.store, req)
    with app.store.lock:
        order = app.store.find_order(vendor, number)
        if order is None:
            raise HttpError(404, "NOT_FOUND", f"Work order {number} not found")
        return json_response(200, order)


def patch_order(app, req: Request, number: str) -> Response:
    data = req.json()
    vendor = _vendor_of(app.store, req, data)
    fields = {k: v for k, v in data.items() if k != "vendor"}
    with app.store.lock:
        order = app.store.patch_order(vendor, number, fields)
        if order is None:
            raise HttpError(404, "NOT_FOUND", f"Work order {number} not found")
        return json_response(200, order)


def delete_order(app, req: Request, number: str) -> Response:
    vendor = _vendor_of(app.store, req)
    if not app.store.delete_order(vendor, number):
        raise HttpError(404, "NOT_FOUND", f"Work order {number} not found")
    return json_response(200, {"deleted": number})


def put_form(app, req: Request) -> Response:
    data = req.json()
    if not data.get("formId") or data.get("version") is None or not isinstance(data.get("questions"), list):
        raise HttpError(400, "VALIDATION", "formId, version and questions (a list) are required")
    app.store.put_form(
        {
            "formId": str(data["formId"]),
            "version": data["version"],
            "name": data.get("name") or "",
            "questions": data["questions"],
        }
    )
    return json_response(200, {"formId": str(data["formId"]), "version": data["version"]})


def generate_orders(app, req: Request) -> Response:
    data = req.json()
    vendor = _vendor_of(app.store, req, data)
    try:
        count = int(data.get("count", 100))
        per_order = int(data.get("servicesPerOrder", 3))
        seed = int(data.get("seed", 0))
        start = int(data["startNumber"]) if data.get("startNumber") is not None else None
    except (TypeError, ValueError):
        message = "count, servicesPerOrder, seed and startNumber must be integers"
        raise HttpError(400, "VALIDATION", message) from None
    if count < 0 or per_order < 1:
        raise HttpError(400, "VALIDATION", "count must be >= 0 and servicesPerOrder >= 1")
    began = time.perf_counter()
    orders, forms = generate.generate_orders(count, per_order, seed, start)
    for template in forms:
        app.store.put_form(template)
    created = app.store.put_orders(vendor, orders)
    return json_response(200, {"created": created, "seconds": round(time.perf_counter() - began, 3)})


def seed_demo(app, req: Request) -> Response:
    return json_response(200, generate.seed_demo(app.store))


def put_faults(app, req: Request) -> Response:
    data = req.json()
    vendor = _vendor_of(app.store, req, data)
    faults = {k: v for k, v in data.items() if k in FAULT_DEFAULTS and v is not None}
    unknown = sorted(set(data) - set(FAULT_DEFAULTS) - {"vendor"})
    if unknown:
        raise HttpError(400, "VALIDATION", f"Unknown fault keys: {', '.join(unknown)}")
    if faults.get("failureMode", "file_save_failed") not in FAILURE_MODES:
        raise HttpError(400, "VALIDATION", f"failureMode must be one of {', '.join(FAILURE_MODES)}")
    failures = faults.get("detailFailures", [])
    if not isinstance(failures, list) or not all(isinstance(n, str) for n in failures):
        raise HttpError(400, "VALIDATION", "detailFailures must be a list of order numbers")
    unavailable = faults.get("unavailable", 0)
    if not isinstance(unavailable, int) or isinstance(unavailable, bool) or unavailable < 0:
        raise HttpError(400, "VALIDATION", "unavailable must be a whole number of calls")
    rate = faults.get("photoFailureRate", 0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise HttpError(400, "VALIDATION", "photoFailureRate must be a number from 0 to 1")
    return json_response(200, app.store.set_faults(vendor, faults))


def get_faults(app, req: Request) -> Response:
    return json_response(200, dict(_vendor_of(app.store, req).faults))


def received(app, req: Request, kind: str) -> Response:
    if kind not in RECEIVED_KINDS:
        raise HttpError(404, "NOT_FOUND", f"Unknown kind {kind}; one of {', '.join(RECEIVED_KINDS)}")
    vendor = _vendor_of(app.store, req)
    items = app.store.received(vendor, kind, req.query.get("workOrderNumber") or None)
    return json_response(200, {"items": items})


def expire_portal_sessions(app, req: Request) -> Response:
    username = req.json().get("vendor")
    return json_response(200, {"expired": app.store.expire_sessions(username)})


_N = r"(?P<number>[^/]+)"
ROUTES = [
    ("POST", r"/_sandbox/reset", reset),
    ("POST", r"/_sandbox/vendors", put_vendor),
    ("POST", r"/_sandbox/workorders", put_orders),
    ("GET", rf"/_sandbox/workorders/{_N}", get_order),
    ("PATCH", rf"/_sandbox/workorders/{_N}", patch_order),
    ("DELETE", rf"/_sandbox/workorders/{_N}", delete_order),
    ("POST", r"/_sandbox/forms", put_form),
    ("POST", r"/_sandbox/generate", generate_orders),
    ("POST", r"/_sandbox/seed-demo", seed_demo),
    ("PUT", r"/_sandbox/faults", put_faults),
    ("GET", r"/_sandbox/faults", get_faults),
    ("GET", r"/_sandbox/received/(?P<kind>[a-z-]+)", received),
    ("POST", r"/_sandbox/portal-sessions/expire", expire_portal_sessions),
]

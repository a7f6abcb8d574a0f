"""The sandbox's state: in memory and indexed, persisted under a data directory, per vendor.

Layout of the data directory::

    forms.json                          global form templates {formId: {version: template}}
    vendors/<safe name>/vendor.json     login, valid ABC numbers, faults
    vendors/<safe name>/orders.json     {"orders": [...as given...], "extras": {number: portal state}}
    vendors/<safe name>/<kind>.jsonl    append-only: photos, answers, checkins, portal-actions

Contracts:
- Every public method takes ``self.lock`` (re-entrant); callers may hold it to compose operations.
- JSON files are written atomically (tmp file + ``os.replace``); what the vendor sends is only appended, so a
  photo upload never rewrites a big orders file.
- Orders are stored as given (duplicates and malformed ones included); ``status`` defaults to ``new`` and
  ``updatedAt`` to now. The listing index is rebuilt lazily after any change.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

LISTED = ("new", "accepted", "in_qc")
FINAL = ("completed", "qc_declined", "cancelled", "denied")
RECEIVED_KINDS = ("photos", "answers", "checkins", "portal-actions")
FAILURE_MODES = ("file_save_failed", "timeout", "http_500")
FAULT_DEFAULTS: dict = {
    "photoFailureRate": 0.0,
    "failureMode": "file_save_failed",
    "timeoutMs": 5000,
    "latencyMs": 0,
    "authDown": False,
    "uploadAuthDown": False,
    "listFailurePage": None,
    "detailFailures": [],  # order numbers whose detail (GET /workorders/<n>) answers 500
    "unavailable": 0,  # the next N API calls answer 503, as a restarting FAStrack would
    "totalDelta": 0,
    "seed": None,
}
PORTAL_TTL = timedelta(minutes=10)


def now_iso(moment: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds, so two changes within a second still differ."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def number_of(order: dict) -> str | None:
    """The order's number as a string (the lookup key), or None when it has none."""
    value = order.get("workOrderNumber")
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value)


def order_key(order: dict) -> int:
    """The listing's sort key: the number's numeric value; missing or non-numeric numbers sort as 0."""
    value = order.get("workOrderNumber")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return 0


def _dir_name(username: str) -> str:
    # Readable but collision-free: usernames may hold any character.
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", username)[:40]
    return f"{readable}-{hashlib.sha256(username.encode()).hexdigest()[:10]}"


def _write_json(path: Path, data: object) -> None:
    # No fsync: a sandbox only needs to survive a process restart, not a power cut.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash mid-append
    return items


class Vendor:
    """One vendor login and everything FAStrack holds for it."""

    def __init__(self, username: str, password: str, abc_numbers: list[str], directory: Path):
        self.username = username
        self.password = password
        self.abc_numbers = list(abc_numbers)
        self.directory = directory
        self.orders: list[dict] = []
        self.by_number: dict[str, list[dict]] = {}
        self.extras: dict[str, dict] = {}  # number → portal state (invoices, comments, ...)
        self.photos: dict[str, dict] = {}  # serial → record
        self.attempts: dict[str, int] = {}  # photo serial → POSTs seen
        self.answers: list[dict] = []
        self.checkins: list[dict] = []
        self.portal_actions: list[dict] = []
        self.serials: dict[str, set[str]] = {"answers": set(), "checkins": set()}
        self.faults: dict = dict(FAULT_DEFAULTS)
        self.rng = random.Random()
        self._keys: list[int] | None = None
        self._listing: list[dict] = []

    def reindex(self) -> None:
        self.by_number = {}
        for order in self.orders:
            number = number_of(order)
            if number is not None:
                self.by_number.setdefault(number, []).append(order)
        self._keys = None

    def listing(self) -> tuple[list[int], list[dict]]:
        """Listed orders sorted by key (stable: equal numbers keep their given order), with their keys."""
        if self._keys is None:
            listed = [o for o in self.orders if o.get("status", "new") in LISTED]
            listed.sort(key=order_key)
            self._listing = listed
            self._keys = [order_key(o) for o in listed]
        return self._keys, self._listing


class Store:
    """All sandbox state. Construct with the data directory; existing state is loaded."""

    def __init__(self, data_dir: str | os.PathLike):
        self.root = Path(data_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.vendors: dict[str, Vendor] = {}
        self.forms: dict[str, dict[str, dict]] = {}
        self.sessions: dict[str, dict] = {}  # portal token → {vendor, number, expires}; memory only
        self._load()

    # -- loading and saving ------------------------------------------------------------------------------

    def _load(self) -> None:
        forms_file = self.root / "forms.json"
        if forms_file.exists():
            self.forms = json.loads(forms_file.read_text(encoding="utf-8"))
        for vendor_file in sorted(self.root.glob("vendors/*/vendor.json")):
            meta = json.loads(vendor_file.read_text(encoding="utf-8"))
            vendor = Vendor(meta["username"], meta["password"], meta["abcNumbers"], vendor_file.parent)
            self._apply_faults(vendor, meta.get("faults") or {})
            orders_file = vendor.directory / "orders.json"
            if orders_file.exists():
                saved = json.loads(orders_file.read_text(encoding="utf-8"))
                vendor.orders, vendor.extras = saved["orders"], saved["extras"]
                vendor.reindex()
            for line in _read_jsonl(vendor.directory / "photos.jsonl"):
                if line.get("type") == "attempt":
                    vendor.attempts[line["serial"]] = vendor.attempts.get(line["serial"], 0) + 1
                else:
                    vendor.photos.setdefault(line["serial"], line["record"])
            for kind in ("answers", "checkins"):
                for record in _read_jsonl(vendor.directory / f"{kind}.jsonl"):
                    getattr(vendor, kind).append(record)
                    vendor.serials[kind].add(record["serial"])
            vendor.portal_actions = _read_jsonl(vendor.directory / "portal-actions.jsonl")
            self.vendors[vendor.username] = vendor

    def _save_vendor(self, vendor: Vendor) -> None:
        faults = {k: v for k, v in vendor.faults.items() if v != FAULT_DEFAULTS[k]}
        data = {"username": vendor.username, "password": vendor.password, "abcNumbers": vendor.abc_numbers}
        _write_json(vendor.directory / "vendor.json", {**data, "faults": faults})

    def save_orders(self, vendor: Vendor) -> None:
        """Persist the vendor's orders and portal state, and invalidate its listing index."""
        with self.lock:
            vendor._keys = None
            _write_json(vendor.directory / "orders.json", {"orders": vendor.orders, "extras": vendor.extras})

    def _append(self, vendor: Vendor, kind: str, line: dict) -> None:
        vendor.directory.mkdir(parents=True, exist_ok=True)
        with open(vendor.directory / f"{kind}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")

    # -- vendors, reset, faults --------------------------------------------------------------------------

    def vendor(self, username: str | None) -> Vendor | None:
        with self.lock:
            return self.vendors.get(username) if username is not None else None

    def put_vendor(self, username: str, password: str, abc_numbers: list[str]) -> Vendor:
        """Create the vendor, or replace its password and ABC numbers (its orders stay)."""
        with self.lock:
            vendor = self.vendors.get(username)
            if vendor is None:
                vendor = Vendor(username, password, abc_numbers, self.root / "vendors" / _dir_name(username))
                self.vendors[username] = vendor
            vendor.password, vendor.abc_numbers = password, list(abc_numbers)
            self._save_vendor(vendor)
            return vendor

    def reset(self, username: str | None = None) -> None:
        """Forget one vendor entirely (login included), or everything (forms too) when username is None."""
        with self.lock:
            if username is None:
                self.vendors.clear()
                self.forms.clear()
                self.sessions.clear()
                shutil.rmtree(self.root / "vendors", ignore_errors=True)
                (self.root / "forms.json").unlink(missing_ok=True)
                return
            vendor = self.vendors.pop(username, None)
            if vendor is not None:
                shutil.rmtree(vendor.directory, ignore_errors=True)
            self.sessions = {t: s for t, s in self.sessions.items() if s["vendor"] != username}

    @staticmethod
    def _apply_faults(vendor: Vendor, faults: dict) -> None:
        vendor.faults = {**FAULT_DEFAULTS, **{k: v for k, v in faults.items() if k in FAULT_DEFAULTS}}
        seed = vendor.faults["seed"]
        vendor.rng = random.Random(seed) if seed is not None else random.Random()

    def set_faults(self, vendor: Vendor, faults: dict) -> dict:
        """Replace the vendor's faults; omitted keys go back to their defaults."""
        with self.lock:
            self._apply_faults(vendor, faults)
            self._save_vendor(vendor)
            return dict(vendor.faults)

    def take_unavailable(self, vendor: Vendor) -> bool:
        """True (and one fewer to come) while the ``unavailable`` fault has calls left to refuse."""
        with self.lock:
            left = int(vendor.faults.get("unavailable") or 0)
            if left <= 0:
                return False
            vendor.faults["unavailable"] = left - 1
            return True

    def roll_failure(self, vendor: Vendor) -> str | None:
        """The failure mode to play for this upload, or None (random with photoFailureRate)."""
        with self.lock:
            rate = float(vendor.faults["photoFailureRate"] or 0)
            if rate > 0 and vendor.rng.random() < rate:
                return vendor.faults["failureMode"]
            return None

    # -- orders ------------------------------------------------------------------------------------------

    def put_orders(self, vendor: Vendor, orders: list[dict], stamp: str | None = None) -> int:
        """Add or replace by number: stored copies of every number in ``orders`` are dropped, then all of
        ``orders`` are appended as given (so a payload's own duplicates are both kept)."""
        stamp = stamp or now_iso()
        with self.lock:
            incoming = []
            for order in orders:
                order = dict(order)
                order.setdefault("status", "new")
                order.setdefault("updatedAt", stamp)
                incoming.append(order)
            replaced = {n for n in (number_of(o) for o in incoming) if n is not None}
            if replaced & vendor.by_number.keys():
                vendor.orders = [o for o in vendor.orders if number_of(o) not in replaced]
            vendor.orders.extend(incoming)
            vendor.reindex()
            self.save_orders(vendor)
            return len(incoming)

    def find_order(self, vendor: Vendor, number: str) -> dict | None:
        """The first stored copy of the order with this number."""
        with self.lock:
            copies = vendor.by_number.get(number)
            return copies[0] if copies else None

    def patch_order(self, vendor: Vendor, number: str, fields: dict) -> dict | None:
        """Change fields of every stored copy of the order (what FAStrack staff would change)."""
        with self.lock:
            copies = vendor.by_number.get(number)
            if not copies:
                return None
            stamp = now_iso()
            for order in copies:
                order.update(fields)
                if "updatedAt" not in fields:
                    order["updatedAt"] = stamp
            vendor.reindex()  # the number itself may have changed
            self.save_orders(vendor)
            return copies[0]

    def delete_order(self, vendor: Vendor, number: str) -> bool:
        with self.lock:
            if number not in vendor.by_number:
                return False
            vendor.orders = [o for o in vendor.orders if number_of(o) != number]
            vendor.extras.pop(number, None)
            vendor.reindex()
            self.save_orders(vendor)
            return True

    def list_page(
        self, vendor: Vendor, after: int | None, limit: int
    ) -> tuple[list[dict], int | None, int, int]:
        """One page of the listing: (orders, next key or None, listed total, index of the page's first order).

        ``after`` is exclusive; a run of equal numbers is never split, so a page may exceed ``limit``.
        """
        with self.lock:
            keys, listed = vendor.listing()
            start = 0 if after is None else bisect.bisect_right(keys, after)
            end = min(start + limit, len(keys))
            if end < len(keys) and end > start:
                end = bisect.bisect_right(keys, keys[end - 1])
            more = end < len(keys)
            next_key = keys[end - 1] if more and end > start else None
            return listed[start:end], next_key, len(keys), start

    # -- forms -------------------------------------------------------------------------------------------

    def put_form(self, template: dict) -> None:
        with self.lock:
            self.forms.setdefault(str(template["formId"]), {})[str(template["version"])] = template
            _write_json(self.root / "forms.json", self.forms)

    def get_form(self, form_id: str, version: str | None = None) -> dict | None:
        """The template for that version, or the latest (highest numeric version) when version is None."""
        with self.lock:
            versions = self.forms.get(form_id) or {}
            if version is not None:
                return versions.get(str(version))
            if not versions:
                return None
            latest = max(versions, key=lambda v: (v.isdigit(), int(v) if v.isdigit() else 0, v))
            return versions[latest]

    # -- what the vendor sent ----------------------------------------------------------------------------

    def count_attempt(self, vendor: Vendor, serial: str) -> None:
        with self.lock:
            vendor.attempts[serial] = vendor.attempts.get(serial, 0) + 1
            self._append(vendor, "photos", {"type": "attempt", "serial": serial})

    def add_photo(self, vendor: Vendor, record: dict) -> bool:
        """Store a photo record once per serial; False when the serial was already stored."""
        with self.lock:
            if record["serial"] in vendor.photos:
                return False
            vendor.photos[record["serial"]] = record
            self._append(vendor, "photos", {"type": "photo", "serial": record["serial"], "record": record})
            return True

    def add_record(self, vendor: Vendor, kind: str, record: dict) -> bool:
        """Append an answers/checkins item once per serial, or any portal action; False for a repeat."""
        with self.lock:
            if kind != "portal-actions":
                if record["serial"] in vendor.serials[kind]:
                    return False
                vendor.serials[kind].add(record["serial"])
            getattr(vendor, kind.replace("-", "_")).append(record)
            self._append(vendor, kind, record)
            return True

    def has_checkin(self, vendor: Vendor, number: str) -> bool:
        with self.lock:
            return any(c["type"] == "checkin" and c["workOrderNumber"] == number for c in vendor.checkins)

    def received(self, vendor: Vendor, kind: str, number: str | None = None) -> list[dict]:
        """What the vendor sent, oldest first; photos carry ``attempts``, answers carry ``latest``."""
        with self.lock:
            if kind == "photos":
                items = [{**r, "attempts": vendor.attempts.get(s, 0)} for s, r in vendor.photos.items()]
            elif kind == "answers":
                latest = {(a["workOrderNumber"], a["formId"]): i for i, a in enumerate(vendor.answers)}
                chosen = set(latest.values())
                items = [{**a, "latest": i in chosen} for i, a in enumerate(vendor.answers)]
            else:
                items = [dict(r) for r in getattr(vendor, kind.replace("-", "_"))]
            if number is not None:
                items = [i for i in items if i.get("workOrderNumber") == number]
            return items

    # -- portal sessions ---------------------------------------------------------------------------------

    def create_session(self, vendor: Vendor, number: str) -> tuple[str, str]:
        """A fresh portal token for the order and its expiry (ISO 8601 UTC)."""
        with self.lock:
            now = datetime.now(UTC)
            # Forget expired tokens here so the table cannot grow without bound.
            self.sessions = {t: s for t, s in self.sessions.items() if s["expires"] > now}
            token = secrets.token_urlsafe(24)
            expires = now + PORTAL_TTL
            self.sessions[token] = {"vendor": vendor.username, "number": number, "expires": expires}
            return token, expires.strftime("%Y-%m-%dT%H:%M:%SZ")

    def session(self, token: str) -> tuple[Vendor, str] | None:
        """(vendor, order number) for a live token; None when unknown or expired."""
        with self.lock:
            found = self.sessions.get(token)
            if found is None or found["expires"] <= datetime.now(UTC):
                return None
            vendor = self.vendors.get(found["vendor"])
            return (vendor, found["number"]) if vendor is not None else None

    def expire_sessions(self, username: str | None = None) -> int:
        """Expire every portal token (of one vendor): how tests see the "link has expired" page."""
        with self.lock:
            past = datetime.now(UTC) - timedelta(seconds=1)
            hits = [s for s in self.sessions.values() if username is None or s["vendor"] == username]
            for found in hits:
                found["expires"] = past
            return len(hits)

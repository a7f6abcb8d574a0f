"""FAStrack as an order source: its wire format in, the contract's types out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings

from config.crypto import CredentialsUnreadable

from ..base import (
    AuthError,
    FeedPage,
    ImportedForm,
    ImportedOrder,
    ImportedService,
    InvalidOrder,
    OrderSource,
    OrderStatus,
    RejectedError,
    SourceError,
    SurveyTemplate,
)
from .client import FAStrackClient

LISTED_STATUSES = {"new", "accepted", "in_qc"}
# FAStrack's final statuses and the close reason each gives a project (projects.models.CloseReason values).
FINAL_STATUSES = {
    "completed": "completed",
    "qc_declined": "qc_declined",
    "cancelled": "cancelled",
    "denied": "denied",
}
ORDER_NUMBER = re.compile(r"^\d{1,20}$")


def parse_order(raw) -> ImportedOrder | InvalidOrder:
    """Map one FAStrack work order to an ImportedOrder, or say why it cannot be used."""
    if not isinstance(raw, dict):
        return InvalidOrder("", "Skipping malformed order: not an object")
    number = str(raw.get("workOrderNumber") or "").strip()
    if not number:
        return InvalidOrder("", "Skipping malformed order: missing workOrderNumber")
    if not ORDER_NUMBER.match(number):
        return InvalidOrder(
            number[:64], f"Skipping malformed order:{number[:64]}: workOrderNumber is not a number"
        )
    address1 = _text(raw.get("address1"))
    if not address1:
        return InvalidOrder(number, f"Skipping malformed order:{number}: missing address")
    due = raw.get("dueDate")
    due_date = None
    if due not in (None, ""):
        try:
            due_date = date.fromisoformat(str(due))
        except ValueError:
            return InvalidOrder(number, f"Skipping malformed order:{number}: bad due date '{str(due)[:20]}'")
    services = raw.get("services") or []
    forms = raw.get("forms") or []
    if not isinstance(services, list) or not isinstance(forms, list):
        return InvalidOrder(number, f"Skipping malformed order:{number}: services or forms are not lists")
    parsed_services = []
    for s in services:
        if not isinstance(s, dict) or not _text(s.get("serviceId")) or not _text(s.get("serviceName")):
            return InvalidOrder(
                number, f"Skipping malformed order:{number}: a service has no serviceId or serviceName"
            )
        parsed_services.append(
            ImportedService(
                ref=_text(s["serviceId"])[:64],
                name=_text(s["serviceName"])[:200],
                is_photo_task=bool(s.get("photoRequired", True)),
                form_ref=_text(s.get("formId"))[:64],
            )
        )
    parsed_forms = []
    for f in forms:
        try:
            parsed_forms.append(
                ImportedForm(
                    ref=_text(f["formId"])[:64],
                    version=int(f.get("version") or 1),
                    name=_text(f.get("name"))[:200],
                )
            )
        except (TypeError, KeyError, ValueError):
            return InvalidOrder(number, f"Skipping malformed order:{number}: a form has no formId or version")
    client = _text(raw.get("clientCode")) or "AFS"
    order = ImportedOrder(
        ref=number,
        name=f"{client}::{number}",
        address1=address1[:200],
        address2=_text(raw.get("address2"))[:200],
        city=_text(raw.get("city"))[:100],
        state=_text(raw.get("state"))[:50],
        zip=_text(raw.get("zip"))[:20],
        latitude=_coordinate(raw.get("latitude"), 90),
        longitude=_coordinate(raw.get("longitude"), 180),
        due_date=due_date,
        instructions=_text(raw.get("instructions")),
        client_status=_text(raw.get("status"))[:32],
        check_in_required=bool(raw.get("checkInRequired")),
        services=tuple(parsed_services),
        forms=tuple(parsed_forms),
        raw=raw,
    )
    if not _storable(order):
        return InvalidOrder(number, f"Skipping malformed order:{number}: text that is not valid Unicode")
    return order


def _text(value) -> str:
    # PostgreSQL cannot store NUL in text; it carries nothing a crew needs.
    return "" if value is None else str(value).replace("\x00", "").strip()


def _storable(order: ImportedOrder) -> bool:
    """Whether every text of the order is valid Unicode: JSON can carry lone surrogates (\\ud800), which no
    database column takes."""
    texts = [order.name, order.address1, order.address2, order.city, order.state, order.zip]
    texts += [order.instructions, order.client_status]
    texts += [text for s in order.services for text in (s.ref, s.name, s.form_ref)]
    texts += [text for f in order.forms for text in (f.ref, f.name)]
    return _encodes("".join(texts))


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _coordinate(value, bound: int) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() and abs(number) <= bound else None


class FAStrackSource(OrderSource):
    has_portal = True
    credential_fields = ("username", "password")

    def __init__(self, integration):
        super().__init__(integration)
        try:
            credentials = integration.get_credentials()
        except CredentialsUnreadable as exc:
            raise AuthError(exc.message, status=None) from exc
        self.client = FAStrackClient(
            integration.base_url,
            credentials.get("username", ""),
            credentials.get("password", ""),
            read_timeout=getattr(settings, "FASTRACK_READ_TIMEOUT", 30),
            upload_timeout=getattr(settings, "FASTRACK_UPLOAD_TIMEOUT", 60),
        )
        self.page_size = getattr(settings, "FASTRACK_PAGE_SIZE", 500)

    def validate(self) -> None:
        self.client.ping()

    def fetch_orders(self) -> Iterator[FeedPage]:
        after = None
        while True:
            body = self.client.list_workorders(after=after, limit=self.page_size)
            orders, next_after, total = body.get("workOrders"), body.get("next"), body.get("total")
            if not isinstance(orders, list) or (total is not None and not isinstance(total, int)):
                raise SourceError("FAStrack sent a work-order listing we cannot read.")
            yield FeedPage(orders=[parse_order(o) for o in orders], total=total, last=next_after is None)
            if next_after is None:
                return
            if str(next_after) == str(after):
                raise SourceError("FAStrack's listing did not advance; stopping to avoid a loop.")
            after = str(next_after)

    def order_status(self, ref: str) -> OrderStatus:
        order = self.client.get_workorder(ref)
        if order is None:
            return OrderStatus(OrderStatus.NOT_FOUND)
        status = _text(order.get("status"))
        if status in FINAL_STATUSES:
            return OrderStatus(OrderStatus.FINAL, close_reason=FINAL_STATUSES[status], client_status=status)
        return OrderStatus(OrderStatus.OPEN, client_status=status)

    def fetch_survey(self, form_ref: str, version: int) -> SurveyTemplate:
        body = self.client.get_form(form_ref, version)
        meta = body.get("meta") or {}
        name = _text(meta.get("name"))
        return SurveyTemplate(
            form_ref=form_ref,
            version=int(meta.get("version") or version),
            name=name if name and _encodes(name) else form_ref,
            questions=body.get("questions") or [],
        )

    # --- relay: every send carries the item's serial, so a retry never makes a second copy --------------

    def upload_photo(self, item) -> None:
        photo, p = item.photo, item.payload
        fields = {
            "serial": str(item.serial),
            "serviceId": p["serviceId"],
            "evidenceType": p["evidenceType"],
            "flag": p["flag"],
            "takenAt": p.get("takenAt") or "",
            "latitude": p.get("latitude") or "",
            "longitude": p.get("longitude") or "",
        }
        with photo.original.open("rb") as file_obj:
            self.client.post_photo(
                item.project.source_ref,
                fields=fields,
                file_obj=file_obj,
                file_name=photo.original_name or f"{item.serial}.jpg",
                content_type=photo.content_type or "image/jpeg",
            )

    def submit_survey(self, item) -> None:
        p = item.payload
        self.client.post_json(
            f"/api/v1/workorders/{item.project.source_ref}/forms/{p['formId']}/answers",
            {
                "serial": str(item.serial),
                "version": p["version"],
                "answers": p["answers"],
                "photos": p.get("photos", {}),
                "submittedAt": p["submittedAt"],
            },
        )

    def check_in(self, item) -> None:
        p = item.payload
        self.client.post_json(
            f"/api/v1/workorders/{item.project.source_ref}/checkin",
            {
                "serial": str(item.serial),
                "abcNumber": p["abcNumber"],
                "checkedInAt": p["checkedInAt"],
                "latitude": p.get("latitude"),
                "longitude": p.get("longitude"),
            },
        )

    def complete_check_in(self, item) -> None:
        p = item.payload
        self.client.post_json(
            f"/api/v1/workorders/{item.project.source_ref}/checkin/complete",
            {
                "serial": str(item.serial),
                "checklist": p.get("checklist", {}),
                "completedAt": p["completedAt"],
            },
        )

    def portal_url(self, project, user) -> str | None:
        body = self.client.post_json("/api/v1/portal-sessions", {"workOrderNumber": project.source_ref})
        url = body.get("url") if isinstance(body, dict) else None
        if url is None:
            return None
        # The link goes into an iframe on our page: only a web page of FAStrack's own (never javascript:
        # or data:, nor another site), over HTTPS unless FAStrack itself is spoken to over plain HTTP.
        parts, base = urlsplit(str(url)), urlsplit(self.integration.base_url)
        schemes = ("https", "http") if base.scheme == "http" else ("https",)
        hosts = {base.hostname, *getattr(settings, "FASTRACK_PORTAL_HOSTS", ())}
        if parts.scheme not in schemes or not parts.hostname or parts.hostname not in hosts:
            raise RejectedError("FAStrack's portal link does not point at FAStrack; it was not opened.")
        return url

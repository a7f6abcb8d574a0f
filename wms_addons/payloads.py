"""The JSON body of a delivery. ``project`` is the project as it is when sent; ``changes`` says what this
event changed; ``sequence`` numbers the project's history, so a gap shows the WMS a parked event."""

from __future__ import annotations

import json

from accounts.models import User
from projects.models import EventType

from .models import WmsDelivery


def _assignee(user: User | None, wms_contractor_id: str | None = None) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "email": user.email,
        "wms_contractor_id": user.wms_contractor_id if wms_contractor_id is None else wms_contractor_id,
    }


def build_bodies(deliveries: list[WmsDelivery]) -> dict[int, bytes]:
    """Bodies by delivery id. Deliveries come with ``event`` and ``project__assignee`` joined; the assignees
    named by assignment events are read in one more query."""
    named = {
        d.event.changes["assignee"][1]
        for d in deliveries
        if d.event.type == EventType.ASSIGNED and (d.event.changes.get("assignee") or [None, None])[1]
    }
    users = User.objects.in_bulk(named) if named else {}
    return {d.pk: _body(d, users) for d in deliveries}


def _body(delivery: WmsDelivery, users: dict[int, User]) -> bytes:
    event, project = delivery.event, delivery.project
    if event.type == EventType.ASSIGNED and "assignee" in event.changes:
        # The assignee this event made, with the contractor id it had then, even if it changed since.
        new_id = event.changes["assignee"][1]
        contractor_id = (event.changes.get("wms_contractor_id") or [None, None])[1]
        if not new_id:
            assignee = None
        elif new_id in users:
            assignee = _assignee(users[new_id], contractor_id)
        else:  # the user is gone since; what the event recorded still identifies them to the WMS
            assignee = {"id": new_id, "email": None, "wms_contractor_id": contractor_id or ""}
    else:
        assignee = _assignee(project.assignee)
    payload = {
        "type": event.type,
        "sequence": event.sequence,
        "occurred_at": event.created_at.isoformat(),
        "project": {
            "id": project.pk,
            "name": project.name,
            "source_ref": project.source_ref,
            "address1": project.address1,
            "city": project.city,
            "state": project.state,
            "zip": project.zip,
            "due_date": project.due_date.isoformat() if project.due_date else None,
            "status": project.status,
            "deleted": project.deleted_at is not None,
            "client_status": project.client_status,
            "integration": project.integration_id,
        },
        "assignee": assignee,
        "actor": {
            "kind": event.actor_kind,
            "label": event.actor_label,
            "user": event.actor_user_id,
            "api_key": event.actor_api_key_id,
        },
        "changes": event.changes,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

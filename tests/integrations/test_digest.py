"""ImportedOrder.digest: equal digests must mean nothing to write, so every applied field changes it."""

import dataclasses
from datetime import date
from decimal import Decimal

from integrations.base import ImportedForm, ImportedOrder, ImportedService

ORDER = ImportedOrder(
    ref="1",
    name="AFS::1",
    address1="1 Main St",
    city="Austin",
    latitude=Decimal("30.1"),
    due_date=date(2031, 1, 2),
    services=(ImportedService("S1", "Lawn"), ImportedService("S2", "Debris", form_ref="F1")),
    forms=(ImportedForm("F1", 1, "Condition"),),
)


def test_every_applied_field_changes_the_digest():
    changes = {
        "address2": "Unit B",
        "latitude": Decimal("30.2"),
        "longitude": Decimal("-97"),
        "due_date": None,
        "instructions": "Gate code 1234",
        "client_status": "accepted",
        "check_in_required": True,
        "services": (ImportedService("S1", "Lawn"),),
        "forms": (ImportedForm("F1", 2, "Condition"),),
    }
    digests = {ORDER.digest}
    for name, value in changes.items():
        digests.add(dataclasses.replace(ORDER, **{name: value}).digest)
    renamed = (ImportedService("S1", "Grass"), ORDER.services[1])
    photo_flag = (ImportedService("S1", "Lawn", is_photo_task=False), ORDER.services[1])
    digests.add(dataclasses.replace(ORDER, services=renamed).digest)
    digests.add(dataclasses.replace(ORDER, services=photo_flag).digest)
    assert len(digests) == len(changes) + 3
    assert dataclasses.replace(ORDER, raw={"anything": 1}).digest == ORDER.digest  # raw is not applied


def test_a_field_holding_the_separator_cannot_pass_for_another_order():
    a = dataclasses.replace(ORDER, city="Austin\x1fTX", state="")
    b = dataclasses.replace(ORDER, city="Austin", state="TX")
    assert a.digest != b.digest
    moved = dataclasses.replace(ORDER, services=(ImportedService("S1", "Lawn\x1fS2"),), forms=())
    assert moved.digest != dataclasses.replace(ORDER, forms=()).digest

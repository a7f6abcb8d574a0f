"""The control API, persistence across restarts, generated and demo data."""

import time

import pytest
import requests

from integrations.fastrack.sandbox.server import App
from integrations.fastrack.sandbox.store import Store
from integrations.fastrack.sandbox.testing import Sandbox, SandboxError, make_order
from integrations.fastrack.sandbox.web import Request, is_loopback

from .conftest import PASSWORD, Api


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("::ffff:10.0.0.5", False),
        ("2001:db8::1", False),
        ("", False),
        ("localhost", False),
    ],
)
def test_is_loopback(address, expected):
    assert is_loopback(address) is expected


def test_control_api_refuses_non_loopback_clients(tmp_path):
    app = App(Store(tmp_path))
    from email.message import Message

    def call(client: str) -> int:
        req = Request("POST", "/_sandbox/reset", {}, Message(), b"{}", client, "sandbox:80")
        return app.handle(req).status

    assert call("203.0.113.9") == 403
    assert call("127.0.0.1") == 200


def test_patch_and_delete_are_what_fastrack_staff_do(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("1201"), make_order("1202")])
    before = sandbox.order(vendor, "1201")["updatedAt"]
    services = [
        {"serviceId": "1201-1", "serviceName": "Grass Cut (renamed)", "photoRequired": False, "formId": None}
    ]
    patched = sandbox.patch_order(vendor, "1201", dueDate="2031-01-31", services=services)
    assert patched["dueDate"] == "2031-01-31" and patched["services"] == services
    assert patched["updatedAt"] > before
    sandbox.patch_order(vendor, "1202", status="completed")
    assert [o["workOrderNumber"] for o in api.get("/workorders").json()["workOrders"]] == ["1201"]
    sandbox.delete_order(vendor, "1201")
    assert api.get("/workorders/1201").status_code == 404
    assert sandbox.order(vendor, "1201") is None
    with pytest.raises(SandboxError):
        sandbox.delete_order(vendor, "1201")


def test_add_replaces_by_number_but_keeps_a_payloads_own_duplicates(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("1301", city="Dallas"), make_order("1302")])
    sandbox.add_orders(vendor, [make_order("1301", city="Houston"), make_order("1301", city="Waco")])
    listed = api.get("/workorders").json()["workOrders"]
    assert [(o["workOrderNumber"], o["city"]) for o in listed] == [
        ("1301", "Houston"),
        ("1301", "Waco"),
        ("1302", "Austin"),
    ]
    sandbox.add_orders(vendor, [{"workOrderNumber": "not-a-number"}])  # malformed: stored as given
    malformed = api.get("/workorders").json()["workOrders"][0]
    assert malformed["workOrderNumber"] == "not-a-number" and malformed["status"] == "new"
    assert "address1" not in malformed


def test_reset_one_vendor(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("1401")])
    sandbox.reset(vendor)
    assert api.get("/ping").status_code == 401
    with pytest.raises(SandboxError):
        sandbox.add_orders(vendor, [make_order("1402")])


def test_state_survives_a_restart(tmp_path):
    first = Sandbox.start(tmp_path)
    try:
        first.add_vendor("keeper", "pw", ["ABC123456"])
        orders = [make_order("1501"), make_order("1501"), make_order("1502", status="in_qc")]
        first.add_orders("keeper", orders)
        first.add_form("KEEP", 3, "Kept", [])
        api = Api(first.url, "keeper", "pw")
        assert api.photo("1501", "p-1").status_code == 201
        assert api.post("/workorders/1501/checkin", json={"serial": "c", "abcNumber": "ABC123456"}).ok
        first.set_faults("keeper", totalDelta=1)
    finally:
        first.stop()
    assert first.process.returncode == 0  # SIGTERM is a clean exit

    second = Sandbox.start(tmp_path)
    try:
        api = Api(second.url, "keeper", "pw")
        page = api.get("/workorders").json()
        assert [o["workOrderNumber"] for o in page["workOrders"]] == ["1501", "1501", "1502"]
        assert page["total"] == 4  # 3 + the persisted totalDelta
        assert api.get("/forms/KEEP").json()["meta"]["version"] == 3
        assert api.photo("1501", "p-1").status_code == 200  # still known: no duplicate
        assert second.received("photos", "keeper")[0]["attempts"] == 2
        assert len(second.received("checkins", "keeper")) == 1
    finally:
        second.stop()


def test_generate_ten_thousand_orders_and_page_through_them(sandbox, vendor, api):
    began = time.perf_counter()
    assert sandbox.generate(vendor, 10_000, 4, seed=7) == 10_000
    print(f"generated 10,000 x 4 in {time.perf_counter() - began:.2f}s")
    first = api.get("/workorders", params={"limit": 500}).json()
    assert first["total"] == 10_000 and len(first["workOrders"]) == 500
    page = api.get("/workorders", params={"limit": 500, "after": first["next"]}).json()
    assert len(page["workOrders"]) == 500
    assert int(page["workOrders"][0]["workOrderNumber"]) == first["next"] + 1
    orders = first["workOrders"]
    assert all(len({s["serviceName"] for s in o["services"]}) == 4 for o in orders)
    assert all(len(o["zip"]) == 5 and o["state"] and o["city"] and o["dueDate"] for o in orders)
    with_forms = sum(1 for o in orders if o["forms"])
    assert 50 < with_forms < 150  # about 20%
    assert 20 < sum(1 for o in orders if o["checkInRequired"]) < 90  # about 10%
    form_id = next(o["forms"][0]["formId"] for o in orders if o["forms"])
    answer_types = str(api.get(f"/forms/{form_id}").json()["questions"])
    assert all(t in answer_types for t in ("yesNo", "text", "number", "date", "choice", "photo"))


def test_generate_is_deterministic_for_a_seed(sandbox, vendor):
    sandbox.generate(vendor, 20, 3, seed=11, start_number=500)
    first = sandbox.order(vendor, "510")
    sandbox.generate(vendor, 20, 3, seed=11, start_number=500)
    again = sandbox.order(vendor, "510")
    assert {k: v for k, v in first.items() if k != "updatedAt"} == {
        k: v for k, v in again.items() if k != "updatedAt"
    }


def test_seed_demo_is_idempotent(sandbox):
    for _ in range(2):
        sandbox.seed_demo()
    api = Api(sandbox.url, "demo-vendor", "demo-pass")
    page = api.get("/workorders").json()
    listed = [o["workOrderNumber"] for o in page["workOrders"]]
    assert listed.count("21771463") == 2 and len(listed) == page["total"] >= 10
    survey = api.get("/workorders/22215251").json()
    assert [s["serviceName"] for s in survey["services"]].count("Mandatory Survey") == 2
    assert any(o["checkInRequired"] for o in page["workOrders"])
    assert any(s["formId"] == "PCR-1" for o in page["workOrders"] for s in o["services"])
    assert api.get("/forms/PCR-1").json()["meta"]["name"] == "Property Condition Report"


def test_sandbox_start_reports_a_process_that_never_listens(tmp_path, monkeypatch):
    monkeypatch.setattr("integrations.fastrack.sandbox.testing.sys.executable", "/bin/false")
    with pytest.raises(SandboxError, match="did not start"):
        Sandbox.start(tmp_path, timeout=5)


def test_unknown_paths_and_methods(sandbox):
    assert requests.get(sandbox.url + "/nope", timeout=10).status_code == 404
    assert requests.put(sandbox.url + "/api/v1/ping", timeout=10).status_code == 405
    assert requests.get(sandbox.url + "/api/v1/ping", auth=("x", PASSWORD), timeout=10).status_code == 401

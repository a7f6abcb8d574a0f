"""The vendor API (/api/v1) of the FAStrack sandbox, as DESIGN.md §6 describes it."""

import hashlib
import uuid

import requests

from integrations.fastrack.sandbox.testing import make_order

from .conftest import PASSWORD, Api


def numbers(page: dict) -> list[str]:
    return [o.get("workOrderNumber") for o in page["workOrders"]]


def test_bad_or_missing_credentials_answer_401_with_the_fastrack_body(sandbox, vendor):
    expected = {"error": "SUB_USER_VALIDATION", "message": "Sub-user validation failed"}
    for auth in [None, (vendor, "wrong"), ("nobody-" + uuid.uuid4().hex, PASSWORD)]:
        response = requests.get(sandbox.url + "/api/v1/ping", auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.json() == expected
    garbage = requests.get(sandbox.url + "/api/v1/ping", headers={"Authorization": "Basic !!!"}, timeout=10)
    assert garbage.status_code == 401


def test_ping_names_the_vendor(api, vendor):
    response = api.get("/ping")
    assert response.status_code == 200
    assert response.json() == {"vendor": {"username": vendor}}


def test_listing_pages_by_key_keeps_duplicates_together_and_hides_final_orders(sandbox, vendor, api):
    orders = [make_order(n) for n in ("105", "101", "103", "103", "103", "102", "104", "106")]
    orders += [
        make_order(n, status=s)
        for n, s in (("150", "completed"), ("151", "qc_declined"), ("152", "cancelled"), ("153", "denied"))
    ]
    orders += [make_order("107", status="accepted"), make_order("108", status="in_qc")]
    orders.append({"clientCode": "AFS", "services": []})  # malformed: no number → key 0, first page
    sandbox.add_orders(vendor, orders)

    first = api.get("/workorders", params={"limit": 3}).json()
    assert numbers(first) == [None, "101", "102"]
    assert first["next"] == 102 and first["total"] == 11
    # The run of three 103s is not split: this page runs over the limit.
    second = api.get("/workorders", params={"limit": 2, "after": first["next"]}).json()
    assert numbers(second) == ["103", "103", "103"]
    assert second["next"] == 103
    rest = api.get("/workorders", params={"limit": 100, "after": 103}).json()
    assert numbers(rest) == ["104", "105", "106", "107", "108"]
    assert rest["next"] is None
    assert {o["status"] for o in first["workOrders"] + second["workOrders"] + rest["workOrders"]} == {
        "new",
        "accepted",
        "in_qc",
    }


def test_listing_rejects_bad_paging_parameters(api):
    for params in ({"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"after": "abc"}):
        response = api.get("/workorders", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "VALIDATION"


def test_order_detail_includes_final_orders_and_404s_unknown_ones(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("2001", status="completed")])
    detail = api.get("/workorders/2001").json()
    assert detail["status"] == "completed" and detail["clientCode"] == "AFS" and detail["updatedAt"]
    missing = api.get("/workorders/9999")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"


def test_forms_by_version_and_latest(sandbox, api):
    form_id = "F-" + uuid.uuid4().hex[:8]
    section = {
        "type": "section",
        "title": "Outside",
        "questions": [{"id": "q2", "answerType": "photo", "label": "Front", "required": True, "choices": []}],
    }
    v1 = [{"id": "q1", "answerType": "yesNo", "label": "Occupied?", "required": True, "choices": []}]
    v2 = [*v1, section]
    sandbox.add_form(form_id, 1, "Report", v1)
    sandbox.add_form(form_id, 2, "Report v2", v2)
    assert api.get(f"/forms/{form_id}", params={"version": 1}).json() == {
        "meta": {"surveyTemplateId": form_id, "version": 1, "name": "Report"},
        "questions": v1,
    }
    latest = api.get(f"/forms/{form_id}").json()
    assert latest["meta"]["version"] == 2 and latest["questions"] == v2
    assert api.get(f"/forms/{form_id}", params={"version": 3}).status_code == 404
    assert api.get("/forms/NOPE-" + form_id).status_code == 404


def test_photo_upload_is_once_per_serial_and_counts_attempts(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("3001")])
    content = b"\x00\x01binary\r\n--not-a-boundary\r\n" * 1000
    first = api.photo("3001", "ser-1", content)
    assert first.status_code == 201 and first.json() == {"serial": "ser-1"}
    again = api.photo("3001", "ser-1", content)
    assert again.status_code == 200 and again.json() == {"serial": "ser-1"}
    [photo] = sandbox.received("photos", vendor, "3001")
    assert photo["attempts"] == 2
    assert photo["sha256"] == hashlib.sha256(content).hexdigest() and photo["size"] == len(content)
    assert photo["serviceId"] == "3001-1" and photo["evidenceType"] == "before"
    assert photo["flag"] == "Grass Cut - Before"
    assert photo["receivedAt"] and photo["takenAt"] == "2025-01-01T10:00:00Z"


def test_photo_validation_answers_400_with_a_message(sandbox, vendor, api: Api):
    sandbox.add_orders(vendor, [make_order("3101")])
    cases = [
        {"content": None},
        {"content": b""},
        {"serial": None},
        {"serviceId": "nope"},
        {"evidenceType": "later"},
        {"flag": None},
    ]
    for i, case in enumerate(cases):
        kwargs = {"serial": f"bad-{i}", **case}
        response = api.photo("3101", kwargs.pop("serial"), **kwargs)
        assert response.status_code == 400, case
        assert response.json()["error"] == "VALIDATION" and response.json()["message"], case
    assert api.photo("9999", "s-unknown").status_code == 404
    assert sandbox.received("photos", vendor) == []


def test_answers_keep_every_item_and_mark_the_latest_per_form(sandbox, vendor, api):
    form_id = "A-" + uuid.uuid4().hex[:8]
    question = {"id": "q1", "answerType": "text", "label": "Q", "required": False, "choices": []}
    sandbox.add_form(form_id, 1, "Survey", [question])
    sandbox.add_orders(vendor, [make_order("4001")])
    url = f"/workorders/4001/forms/{form_id}/answers"
    body = {
        "version": 1,
        "answers": {"q1": "first"},
        "photos": {"q2": ["p1"]},
        "submittedAt": "2025-01-01T00:00:00Z",
    }
    assert api.post(url, json={**body, "serial": "a1"}).status_code == 201
    assert api.post(url, json={**body, "serial": "a1"}).status_code == 200
    assert api.post(url, json={**body, "serial": "a2", "answers": {"q1": "second"}}).status_code == 201
    items = sandbox.received("answers", vendor, "4001")
    assert [(i["serial"], i["latest"], i["answers"]["q1"]) for i in items] == [
        ("a1", False, "first"),
        ("a2", True, "second"),
    ]
    assert items[0]["photos"] == {"q2": ["p1"]}
    unknown_form = api.post(f"/workorders/4001/forms/NOPE-{form_id}/answers", json={**body, "serial": "x"})
    assert unknown_form.status_code == 404
    unknown_order = api.post(f"/workorders/9999/forms/{form_id}/answers", json={**body, "serial": "y"})
    assert unknown_order.status_code == 404


def test_checkin_rejects_bad_abc_numbers_and_completion_needs_a_checkin(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("5001", checkInRequired=True)])
    base = {"checkedInAt": "2025-01-01T09:00:00Z", "latitude": 30.27, "longitude": -97.74}
    complete = {"serial": "done-1", "checklist": {"gate_locked": True}, "completedAt": "2025-01-01T11:00:00Z"}
    no_checkin = api.post("/workorders/5001/checkin/complete", json=complete)
    assert no_checkin.status_code == 409 and no_checkin.json()["error"] == "NO_CHECKIN"
    for abc in ("ABC12", "ABC-123456", "ABCDEFGHIJKLM", "ZZZ999999"):  # short, symbol, long, not the vendor's
        bad = api.post("/workorders/5001/checkin", json={**base, "serial": f"c-{abc}", "abcNumber": abc})
        assert bad.status_code == 422
        assert bad.json() == {"error": "INVALID_ABC_NUMBER", "message": "Invalid ABC number"}
    good = {**base, "serial": "c-1", "abcNumber": "ABC123456"}
    assert api.post("/workorders/5001/checkin", json=good).status_code == 201
    assert api.post("/workorders/5001/checkin", json=good).status_code == 200
    assert api.post("/workorders/5001/checkin/complete", json=complete).status_code == 201
    assert api.post("/workorders/5001/checkin/complete", json=complete).status_code == 200
    items = sandbox.received("checkins", vendor, "5001")
    assert [(i["type"], i["serial"]) for i in items] == [("checkin", "c-1"), ("complete", "done-1")]
    assert items[1]["checklist"] == {"gate_locked": True}


def test_portal_session_is_a_short_lived_link_and_404s_unknown_orders(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order("6001")])
    response = api.post("/portal-sessions", json={"workOrderNumber": "6001"})
    assert response.status_code == 201
    body = response.json()
    assert body["url"].startswith(sandbox.url + "/myfastrack/") and body["expiresAt"].endswith("Z")
    assert api.post("/portal-sessions", json={"workOrderNumber": "9999"}).status_code == 404

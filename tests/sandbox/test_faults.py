"""Injected faults: what FAStrack does on a bad day."""

import time

import pytest
import requests

from integrations.fastrack.sandbox.testing import SandboxError, make_order

FILE_SAVE_FAILED = {"error": "FILE_SAVE_FAILED", "message": "File Save Failed"}


@pytest.fixture
def order(sandbox, vendor):
    sandbox.add_orders(vendor, [make_order("7001", checkInRequired=True)])
    return "7001"


def test_file_save_failed_at_rate_one_stores_nothing_but_counts_the_attempt(sandbox, vendor, api, order):
    sandbox.set_faults(vendor, photoFailureRate=1.0, failureMode="file_save_failed")
    response = api.photo(order, "f-1")
    assert response.status_code == 500 and response.json() == FILE_SAVE_FAILED
    checkin = api.post(f"/workorders/{order}/checkin", json={"serial": "c1", "abcNumber": "ABC123456"})
    assert checkin.status_code == 500
    assert sandbox.received("photos", vendor) == [] and sandbox.received("checkins", vendor) == []
    sandbox.set_faults(vendor)  # back to normal
    assert api.photo(order, "f-1").status_code == 201
    assert sandbox.received("photos", vendor)[0]["attempts"] == 2


def test_http_500_mode(sandbox, vendor, api, order):
    sandbox.set_faults(vendor, photoFailureRate=1.0, failureMode="http_500")
    response = api.photo(order, "h-1")
    assert response.status_code == 500 and response.json()["error"] == "INTERNAL"


def test_a_rate_with_a_seed_fails_some_uploads_reproducibly(sandbox, vendor, api, order):
    outcomes = []
    for _ in range(2):
        sandbox.set_faults(vendor, photoFailureRate=0.5, seed=42)
        outcomes.append([api.photo(order, f"r-{i}").status_code for i in range(12)])
        sandbox.reset(vendor)
        sandbox.add_vendor(vendor, "s3cret-pass", ["ABC123456"])
        sandbox.add_orders(vendor, [make_order(order)])
    assert outcomes[0] == outcomes[1]
    assert {500, 201} <= set(outcomes[0])


def test_timeout_stores_first_then_sleeps_so_a_retry_does_not_duplicate(sandbox, vendor, api, order):
    sandbox.set_faults(vendor, photoFailureRate=1.0, failureMode="timeout", timeoutMs=600)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.photo(order, "t-1", timeout=0.2)
    assert len(sandbox.received("photos", vendor)) == 1  # stored although the client gave up
    sandbox.set_faults(vendor)
    assert api.photo(order, "t-1").status_code == 200
    [photo] = sandbox.received("photos", vendor)
    assert photo["attempts"] == 2


def test_upload_auth_down_answers_file_save_failed_to_uploads_and_401_elsewhere(sandbox, vendor, api, order):
    sandbox.set_faults(vendor, uploadAuthDown=True)
    assert api.photo(order, "u-1").json() == FILE_SAVE_FAILED
    answers = api.post(f"/workorders/{order}/forms/X/answers", json={"serial": "a", "answers": {}})
    assert answers.status_code == 500 and answers.json() == FILE_SAVE_FAILED
    checkin = api.post(f"/workorders/{order}/checkin", json={"serial": "c", "abcNumber": "ABC123456"})
    assert checkin.status_code == 500 and checkin.json() == FILE_SAVE_FAILED
    assert api.get("/ping").status_code == 401
    assert api.get("/workorders").status_code == 401


def test_auth_down_answers_401_to_everything(sandbox, vendor, api, order):
    sandbox.set_faults(vendor, authDown=True)
    assert api.get("/ping").json()["error"] == "SUB_USER_VALIDATION"
    assert api.photo(order, "a-1").status_code == 401
    assert sandbox.set_faults(vendor)["authDown"] is False
    assert api.get("/ping").status_code == 200


def test_password_change_is_a_401(sandbox, vendor, api):
    sandbox.add_vendor(vendor, "a-new-password", ["ABC123456"])
    assert api.get("/ping").status_code == 401


def test_list_failure_page_and_total_delta(sandbox, vendor, api):
    sandbox.add_orders(vendor, [make_order(str(8000 + i)) for i in range(10)])
    sandbox.set_faults(vendor, listFailurePage=3, totalDelta=-2)
    first = api.get("/workorders", params={"limit": 4}).json()
    assert first["total"] == 8 and len(first["workOrders"]) == 4
    assert api.get("/workorders", params={"limit": 4, "after": first["next"]}).status_code == 200
    third = api.get("/workorders", params={"limit": 4, "after": 8007})
    assert third.status_code == 500 and third.json()["error"] == "INTERNAL"


def test_latency_is_added_to_api_calls(sandbox, vendor, api):
    sandbox.set_faults(vendor, latencyMs=250)
    began = time.monotonic()
    assert api.get("/ping").status_code == 200
    assert time.monotonic() - began >= 0.25  # a lower bound only: cannot flake on a slow machine


def test_faults_read_back_and_bad_values_are_refused(sandbox, vendor):
    sandbox.set_faults(vendor, photoFailureRate=0.25, failureMode="timeout")
    faults = sandbox.http.get(sandbox.url + "/_sandbox/faults", params={"vendor": vendor}, timeout=10).json()
    assert faults["photoFailureRate"] == 0.25 and faults["failureMode"] == "timeout"
    assert faults["timeoutMs"] == 5000 and faults["authDown"] is False
    with pytest.raises(SandboxError):
        sandbox.set_faults(vendor, failureMode="explode")
    with pytest.raises(SandboxError):
        sandbox.set_faults(vendor, photoFailureRate=2)

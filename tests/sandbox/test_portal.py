"""myFAStrack: the embedded portal page and its 11 actions (seed 001)."""

import uuid
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from integrations.fastrack.sandbox.portal import EXPIRED
from integrations.fastrack.sandbox.testing import make_order


@pytest.fixture
def portal(sandbox, vendor, api):
    """Open a myFAStrack link for a fresh order; returns (number, page url, browser-like session)."""
    form_id = "PF-" + uuid.uuid4().hex[:6]
    sandbox.add_form(
        form_id,
        1,
        "Condition",
        [
            {"id": "occupied", "answerType": "yesNo", "label": "Occupied?", "required": True, "choices": []},
            {
                "type": "section",
                "title": "Outside",
                "questions": [
                    {"id": "roof", "answerType": "text", "label": "Roof", "required": False, "choices": []}
                ],
            },
        ],
    )
    services = [
        {"serviceId": "s-1", "serviceName": "Grass Cut", "photoRequired": True, "formId": form_id},
        {"serviceId": "s-2", "serviceName": "Lock Change", "photoRequired": True, "formId": None},
    ]
    sandbox.add_orders(
        vendor,
        [
            make_order(
                "9001",
                services=services,
                instructions="Beware of the dog.",
                forms=[{"formId": form_id, "name": "Condition", "version": 1}],
            )
        ],
    )
    url = api.post("/portal-sessions", json={"workOrderNumber": "9001"}).json()["url"]
    browser = requests.Session()
    yield "9001", url, browser
    browser.close()


def post(browser, url, action, **data):
    """POST a portal form like a browser: expect 303 back to the page, follow it."""
    response = browser.post(f"{url}/{action}", data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(urlsplit(url).path + "?")
    return browser.get(urljoin(url, location), timeout=10)


def test_page_shows_the_order_with_csp_and_no_cookies(portal):
    number, url, browser = portal
    page = browser.get(url, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert page.headers["Content-Security-Policy"] == "frame-ancestors http://vendordesk.test"
    assert "Set-Cookie" not in page.headers and "X-Frame-Options" not in page.headers
    for text in (
        number,
        "new",
        "1100 Congress Ave",
        "Beware of the dog.",
        "Grass Cut",
        "Lock Change",
        "Occupied?",
        "Roof",
        "Invoices",
        "Discretionary items",
        "Support requests",
        "Submit to QC",
    ):
        assert text in page.text, text
    assert "<script" not in page.text and "/fastrack/workorders/" in page.text


def test_status_actions_follow_fastrack_rules(sandbox, vendor, portal):
    """Accept, complete every service, invoice, then submit to QC; each step refused out of turn."""
    number, url, browser = portal
    page = post(browser, url, "submit-qc")
    assert "Only an accepted work order can be submitted to QC" in page.text
    assert (
        "Services can be completed only on an accepted"
        in post(browser, url, "complete-service", serviceId="s-1").text
    )
    assert sandbox.order(vendor, number)["status"] == "new"
    post(browser, url, "accept")
    assert sandbox.order(vendor, number)["status"] == "accepted"
    assert "Only a new work order" in post(browser, url, "deny").text
    assert "Complete every service" in post(browser, url, "submit-qc").text
    assert "once every service is complete" in post(browser, url, "invoice", mode="generate").text
    post(browser, url, "complete-service", serviceId="s-1")
    assert "already complete" in post(browser, url, "complete-service", serviceId="s-1").text
    post(browser, url, "complete-service", serviceId="s-2")
    assert "Generate or attach an invoice" in post(browser, url, "submit-qc").text
    post(browser, url, "invoice", mode="generate")
    post(browser, url, "submit-qc")
    assert sandbox.order(vendor, number)["status"] == "in_qc"
    actions = sandbox.received("portal-actions", vendor, number)
    assert [(a["action"], a["ok"], a["statusAfter"]) for a in actions] == [
        ("submit-qc", False, "new"),
        ("complete-service", False, "new"),
        ("accept", True, "accepted"),
        ("deny", False, "accepted"),
        ("submit-qc", False, "accepted"),
        ("invoice", False, "accepted"),
        ("complete-service", True, "accepted"),
        ("complete-service", False, "accepted"),
        ("complete-service", True, "accepted"),
        ("submit-qc", False, "accepted"),
        ("invoice", True, "accepted"),
        ("submit-qc", True, "in_qc"),
    ]


def test_deny(sandbox, vendor, portal):
    number, url, browser = portal
    post(browser, url, "deny")
    assert sandbox.order(vendor, number)["status"] == "denied"
    assert "can no longer be changed" in post(browser, url, "complete-service", serviceId="s-1").text


def test_recorded_actions_are_shown_on_the_page(sandbox, vendor, portal):
    number, url, browser = portal
    post(browser, url, "accept")
    post(browser, url, "survey", formId="x", version="1", q_occupied="no", q_roof="Missing shingles")
    post(browser, url, "discretionary", description="Extra debris haul", amount="$125.50")
    post(browser, url, "complete-service", serviceId="s-1")
    post(browser, url, "complete-service", serviceId="s-2")
    post(browser, url, "invoice", mode="generate")
    post(browser, url, "invoice", mode="attach", invoiceNumber="MY-77", amount="310")
    post(browser, url, "comment", text="Neighbour says the house is empty.")
    page = post(browser, url, "support", subject="Lockbox", message="Code does not work")
    for text in (
        "Extra debris haul",
        "125.50",
        "Complete",
        f"INV-{number}-1",
        "MY-77",
        "310.00",
        "Neighbour says the house is empty.",
        "Lockbox",
        "Code does not work",
    ):
        assert text in page.text, text
    actions = sandbox.received("portal-actions", vendor, number)
    assert [a["action"] for a in actions] == [
        "accept",
        "survey",
        "discretionary",
        "complete-service",
        "complete-service",
        "invoice",
        "invoice",
        "comment",
        "support",
    ]
    assert all(a["ok"] for a in actions)
    assert actions[1]["data"]["q_roof"] == "Missing shingles"
    bad = post(browser, url, "discretionary", description="No amount", amount="lots")
    assert "needs a description and an amount" in bad.text


def test_pull_up_the_order_in_fastrack(sandbox, vendor, portal):
    number, url, browser = portal
    view = browser.get(url.replace("/myfastrack/", "/fastrack/workorders/"), timeout=10)
    assert view.status_code == 200 and "FAStrack" in view.text and number in view.text
    assert "<form" not in view.text  # read-only
    assert sandbox.received("portal-actions", vendor, number)[-1]["action"] == "open-in-fastrack"


def test_expired_and_unknown_tokens_get_403(sandbox, vendor, portal):
    _, url, browser = portal
    unknown = browser.get(url.rsplit("/", 1)[0] + "/not-a-token", timeout=10)
    assert unknown.status_code == 403 and EXPIRED in unknown.text
    assert sandbox.expire_portal_sessions(vendor) == 1
    for response in (
        browser.get(url, timeout=10),
        browser.post(url + "/accept", allow_redirects=False, timeout=10),
    ):
        assert response.status_code == 403 and EXPIRED in response.text

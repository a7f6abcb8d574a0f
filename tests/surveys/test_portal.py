"""myFAStrack end to end over HTTP: accept and submit to QC at the portal, QC passes, the project closes."""

import pytest
import requests

from projects.models import CloseReason, ProjectStatus
from tests.integrations.helpers import refresh_now

pytestmark = pytest.mark.django_db


def act(session, url, action, **data):
    response = session.post(f"{url}/{action}", data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text


def test_the_portal_takes_the_order_to_completed(project, fastrack, sandbox, vendor, coordinator):
    url = fastrack.source().portal_url(project, coordinator)
    assert url and url.startswith(sandbox.url)
    with requests.Session() as browser:
        page = browser.get(url, timeout=10)
        assert page.status_code == 200 and "5001" in page.text
        act(browser, url, "accept")
        for service in sandbox.order(vendor[0], "5001")["services"]:
            act(browser, url, "complete-service", serviceId=service["serviceId"])
        act(browser, url, "invoice", mode="generate")
        act(browser, url, "submit-qc")
    assert sandbox.order(vendor[0], "5001")["status"] == "in_qc"
    actions = [(a["action"], a["ok"]) for a in sandbox.received("portal-actions", vendor[0])]
    assert actions[0] == ("accept", True) and actions[-2:] == [("invoice", True), ("submit-qc", True)]
    assert all(ok for _, ok in actions)

    refresh_now(fastrack)
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN and project.client_status == "in_qc"

    sandbox.patch_order(vendor[0], "5001", status="completed")  # FAStrack's QC passes
    run = refresh_now(fastrack)
    project.refresh_from_db()
    assert run.closed == 1
    assert project.status == ProjectStatus.CLOSED and project.closed_reason == CloseReason.COMPLETED

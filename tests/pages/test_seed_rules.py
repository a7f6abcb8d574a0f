"""Seed 001's setup steps as the pages offer them: "QA in Field: Yes (default)" when adding the integration,
and changing QA in Field for existing orders by deleting them on the Projects page, then a Full Refresh."""

import re

import pytest

from integrations.fastrack.sandbox.testing import make_order
from integrations.models import Integration, IntegrationEvent, RefreshRun
from integrations.refresh import execute_run
from projects.models import Project

pytestmark = pytest.mark.django_db


def _run_from(page, integration, **posted):
    """Press Refresh (or Full Refresh) on the integration's page, then run the refresh it queued."""
    RefreshRun.objects.filter(integration=integration).delete()
    assert page.post(f"/integrations/{integration.pk}/refresh", posted).status_code == 302
    run = RefreshRun.objects.get(integration=integration)
    return execute_run(run_id=run.pk)


def test_delete_on_the_projects_page_then_full_refresh_updates_existing_orders(
    admin_page, fastrack, sandbox, vendor
):
    sandbox.add_orders(vendor[0], [make_order("8101"), make_order("8102")])
    assert _run_from(admin_page, fastrack).created == 2
    assert set(fastrack.projects.values_list("qa_in_field", flat=True)) == {True}

    # Edit, change QA in Field, Save: "This will only update new orders going forward".
    admin_page.post(
        f"/integrations/{fastrack.pk}/",
        {"qa_in_field": "", "default_assignee": "", "refresh_interval_minutes": 60, "enabled": "on"},
    )
    fastrack.refresh_from_db()
    assert fastrack.qa_in_field is False
    assert set(fastrack.projects.values_list("qa_in_field", flat=True)) == {True}

    # "Delete all AFS orders from your Projects page": a plain Refresh leaves them deleted.
    ids = list(fastrack.projects.values_list("pk", flat=True))
    assert admin_page.post("/projects/bulk", {"action": "delete", "ids": ids}).status_code == 302
    run = _run_from(admin_page, fastrack)
    assert run.full is False and run.skipped == 2 and run.created == 0
    lines = set(IntegrationEvent.objects.filter(run=run).values_list("message", flat=True))
    assert {"Skipping deleted order:8101", "Skipping deleted order:8102"} <= lines
    assert not Project.objects.filter(pk__in=ids, deleted_at__isnull=True).exists()

    # "Complete a Full Refresh": the Full Refresh button brings them back with the new setting.
    run = _run_from(admin_page, fastrack, full="1")
    assert run.full is True and run.status == "succeeded" and run.created == 2
    restored = Project.objects.filter(pk__in=ids)
    assert list(restored.values_list("deleted_at", "qa_in_field").distinct()) == [(None, False)]


def test_the_add_integration_page_offers_qa_in_field_yes_by_default(admin_page, account, sandbox, vendor):
    body = admin_page.get("/integrations/new").content.decode()
    [checkbox] = re.findall(r"<input[^>]*name=\"qa_in_field\"[^>]*>", body)
    posted = {
        "name": "AFS",
        "base_url": sandbox.url,
        "username": vendor[0],
        "password": vendor[1],
        "refresh_interval_minutes": 60,
    }
    if " checked" in checkbox:  # what a browser sends for the form as it comes
        posted["qa_in_field"] = "on"
    assert admin_page.post("/integrations/new", posted).status_code == 302
    assert Integration.objects.get(account=account).qa_in_field is True

"""Integration pages (settings, Validate, Refresh and its progress, the log), relays and the dashboard."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from integrations.fastrack.sandbox.testing import make_order
from integrations.models import Health, Integration, IntegrationEvent, RefreshRun, RelayItem, RelayStatus
from integrations.refresh import execute_run
from projects.models import Project
from tests.factories import ProjectFactory

from .conftest import photo_rows

pytestmark = pytest.mark.django_db


def test_add_a_fastrack_integration_credentials_are_write_only(admin_page, account, sandbox, vendor):
    response = admin_page.post(
        "/integrations/new",
        {
            "name": "AFS",
            "base_url": sandbox.url,
            "username": vendor[0],
            "password": vendor[1],
            "qa_in_field": "",
            "refresh_interval_minutes": 60,
        },
    )
    integration = Integration.objects.get(account=account)
    assert response["Location"] == f"/integrations/{integration.pk}/"
    assert integration.get_credentials() == {"username": vendor[0], "password": vendor[1]}
    assert integration.qa_in_field is False
    body = admin_page.get(f"/integrations/{integration.pk}/").content.decode()
    assert vendor[1] not in body and vendor[0] not in body


def test_edit_settings_and_apply_them_to_open_projects(admin_page, account, fastrack, field_user):
    project = ProjectFactory(account=account, integration=fastrack, source_ref="1", qa_in_field=True)
    admin_page.post(
        f"/integrations/{fastrack.pk}/",
        {
            "qa_in_field": "",
            "default_assignee": field_user.pk,
            "refresh_interval_minutes": 30,
            "enabled": "on",
        },
    )
    fastrack.refresh_from_db()
    assert (fastrack.qa_in_field, fastrack.default_assignee, fastrack.refresh_interval_minutes) == (
        False,
        field_user,
        30,
    )
    admin_page.post(f"/integrations/{fastrack.pk}/apply-settings")
    project.refresh_from_db()
    assert (project.qa_in_field, project.assignee) == (False, field_user)


def test_new_credentials_need_both_fields(admin_page, fastrack):
    response = admin_page.post(
        f"/integrations/{fastrack.pk}/", {"refresh_interval_minutes": 60, "password": "only this"}
    )
    assert "Enter both the username and the password" in response.content.decode()


def test_validate_says_success_or_the_sub_user_validation_error(admin_page, fastrack, sandbox, vendor):
    assert "Success" in admin_page.post(f"/integrations/{fastrack.pk}/validate", follow=True).content.decode()
    sandbox.set_faults(vendor[0], authDown=True)
    body = admin_page.post(f"/integrations/{fastrack.pk}/validate", follow=True).content.decode()
    sandbox.set_faults(vendor[0])
    assert "Sub-user validation failed" in body
    fastrack.refresh_from_db()
    assert fastrack.health == Health.AUTH_FAILED


def test_refresh_shows_progress_then_the_counts_and_the_log(
    admin_page, fastrack, sandbox, vendor, django_capture_on_commit_callbacks
):
    sandbox.add_orders(vendor[0], [make_order(7001), make_order(7002), make_order(7002)])
    response = admin_page.post(f"/integrations/{fastrack.pk}/refresh", HTTP_HX_REQUEST="true")
    run = RefreshRun.objects.get(integration=fastrack)
    body = response.content.decode()
    assert f'hx-get="/refresh-runs/{run.pk}/"' in body and 'hx-trigger="every 1s"' in body
    # A second click shows the same run instead of starting another (the partial says so: no message is
    # left for the next page).
    admin_page.post(f"/integrations/{fastrack.pk}/refresh", HTTP_HX_REQUEST="true")
    assert RefreshRun.objects.filter(integration=fastrack).count() == 1
    assert "already under way" not in admin_page.get(f"/integrations/{fastrack.pk}/").content.decode()
    assert "hx-swap-oob" not in admin_page.get(f"/refresh-runs/{run.pk}/").content.decode()

    Integration.objects.filter(pk=fastrack.pk).update(health=Health.UNKNOWN)  # as before a first Validate
    execute_run(run_id=run.pk)
    response = admin_page.get(f"/refresh-runs/{run.pk}/")
    body = response.content.decode()
    assert response["HX-Trigger"] == "refresh-finished" and "every 1s" not in body
    # The page's health badge is swapped too: the refresh proved the credentials.
    assert re.search(r'<span id="health" hx-swap-oob="true"><span class="badge ok"', body)
    assert 'value="100"' in body and "2 created" in body and "1 skipped" in body
    log = admin_page.get(f"/integrations/{fastrack.pk}/log").content.decode()
    event = IntegrationEvent.objects.filter(integration=fastrack, message__startswith="Skipping").first()
    assert event.format_line(fastrack.account.tzinfo) in log
    assert "Skipping duplicate order:7002" in log
    assert Project.objects.filter(integration=fastrack).count() == 2


def test_integration_pages_are_for_admins_of_the_account(
    coordinator_page, admin_page, fastrack, other_account
):
    foreign = Integration.objects.create(account=other_account, kind="fastrack", name="X")
    assert coordinator_page.get("/integrations/").status_code == 403
    assert coordinator_page.post(f"/integrations/{fastrack.pk}/refresh").status_code == 403
    assert coordinator_page.post(f"/integrations/{fastrack.pk}/validate").status_code == 403
    assert admin_page.get(f"/integrations/{foreign.pk}/").status_code == 404
    assert admin_page.post(f"/integrations/{foreign.pk}/refresh").status_code == 404
    run = RefreshRun.objects.create(integration=foreign)
    assert admin_page.get(f"/refresh-runs/{run.pk}/").status_code == 404


def _relay_item(project, integration, status, error=""):
    return RelayItem.objects.create(
        integration=integration,
        project=project,
        kind="photo",
        serial=uuid.uuid4(),
        status=status,
        last_error=error,
    )


def test_relays_list_failed_and_held_and_republish(coordinator_page, account, fastrack, other_account):
    project = ProjectFactory(account=account, integration=fastrack, source_ref="9")
    failed = _relay_item(project, fastrack, RelayStatus.FAILED, "Invalid serviceId")
    _relay_item(project, fastrack, RelayStatus.HELD, "Sub-user validation failed")
    _relay_item(project, fastrack, RelayStatus.SENT)
    body = coordinator_page.get("/relays/").content.decode()
    assert "Invalid serviceId" in body and "Sub-user validation failed" in body
    assert "Invalid serviceId" not in coordinator_page.get("/relays/?status=held").content.decode()
    coordinator_page.post("/relays/republish", {"ids": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == RelayStatus.QUEUED and failed.attempts == 0

    foreign_integration = Integration.objects.create(account=other_account, kind="fastrack", name="Y")
    foreign = _relay_item(ProjectFactory(account=other_account), foreign_integration, RelayStatus.FAILED)
    assert coordinator_page.post("/relays/republish", {"ids": [foreign.pk]}).status_code == 404


def test_dashboard_counts_link_to_their_lists(coordinator_page, account, fastrack, field_user, task, project):
    today = timezone.localdate(timezone=account.tzinfo)
    ProjectFactory(account=account, due_date=today, assignee=field_user)
    ProjectFactory(account=account, due_date=today - datetime.timedelta(days=2))
    photo_rows(project, task, 3)
    _relay_item(project, fastrack, RelayStatus.FAILED)
    Integration.objects.filter(pk=fastrack.pk).update(health=Health.AUTH_FAILED)
    body = coordinator_page.get("/").content.decode()
    assert f"/projects/?status=open&amp;due_before={today.isoformat()}" in body
    assert '<span class="number">3</span> pending QA' in body
    assert '<span class="number">1</span> failed relays' in body
    assert '<span class="number">1</span> integrations in error' in body
    overdue = coordinator_page.get(f"/projects/?status=open&due_before={today.isoformat()}").content.decode()
    assert '<small class="muted">1</small>' in overdue


def test_field_users_see_their_own_counts_only(field_page):
    body = field_page.get("/").content.decode()
    assert "pending QA" not in body and "open" in body

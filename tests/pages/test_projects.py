"""The projects table, its bulk actions and the project page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Project, ProjectStatus
from tests.factories import ProjectFactory, TaskFactory

from .conftest import photo_rows

pytestmark = pytest.mark.django_db


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_table_costs_the_same_queries_for_few_and_many_rows(account, coordinator_page, coordinator):
    ProjectFactory.create_batch(2, account=account, assignee=coordinator)
    few = _count_queries(coordinator_page, "/projects/?ordering=-due_date")
    ProjectFactory.create_batch(120, account=account, assignee=coordinator)
    many = _count_queries(coordinator_page, "/projects/?ordering=-due_date&page=2")
    assert few == many


def test_filters_sorting_and_pagination(account, coordinator_page, field_user):
    today = datetime.date.today()
    ProjectFactory(account=account, name="Alpha", zip="78701", due_date=today, assignee=field_user)
    ProjectFactory(account=account, name="Bravo", zip="90210", due_date=today + datetime.timedelta(days=3))
    ProjectFactory(account=account, name="Charlie", zip="78702", status=ProjectStatus.CLOSED)

    body = coordinator_page.get("/projects/?zip=787&status=open").content.decode()
    assert "Alpha" in body and "Bravo" not in body and "Charlie" not in body
    body = coordinator_page.get("/projects/?assigned_to=none&search=bra").content.decode()
    assert "Bravo" in body and "Alpha" not in body
    body = coordinator_page.get("/projects/?assigned_to=%C2%B2").content.decode()  # "²": not an id, no 500
    assert "Alpha" not in body and "Bravo" not in body
    body = coordinator_page.get(f"/projects/?due_after={today + datetime.timedelta(days=1)}").content.decode()
    assert "Bravo" in body and "Alpha" not in body
    body = coordinator_page.get("/projects/?status=&ordering=-name").content.decode()
    assert body.index("Charlie") < body.index("Bravo") < body.index("Alpha")
    body = coordinator_page.get("/projects/").content.decode()
    assert "Charlie" not in body  # open projects unless asked otherwise
    ProjectFactory.create_batch(60, account=account)
    body = coordinator_page.get("/projects/?page=2").content.decode()
    assert "Page 2 of 2" in body


def test_field_users_see_only_their_projects_and_no_bulk_actions(account, field_page, field_user):
    ProjectFactory(account=account, name="Mine", assignee=field_user)
    ProjectFactory(account=account, name="Theirs")
    body = field_page.get("/projects/").content.decode()
    assert "Mine" in body and "Theirs" not in body and "Bulk action" not in body


def test_bulk_assign_close_and_delete(account, coordinator_page, coordinator, field_user):
    a, b = ProjectFactory.create_batch(2, account=account)
    response = coordinator_page.post(
        "/projects/bulk",
        {"action": "assign", "ids": [a.pk, b.pk], "assignee": field_user.pk, "next": "/projects/"},
    )
    assert response.status_code == 302
    assert set(Project.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee", flat=True)) == {
        field_user.pk
    }
    coordinator_page.post("/projects/bulk", {"action": "close", "ids": [a.pk]})
    a.refresh_from_db()
    assert a.status == ProjectStatus.CLOSED and a.closed_by_hand
    coordinator_page.post("/projects/bulk", {"action": "delete", "ids": [b.pk]})
    b.refresh_from_db()
    assert b.deleted_at is not None
    assert [e.type for e in b.events.order_by("sequence")][-1] == "project.deleted"


def test_bulk_refuses_other_accounts_ids_and_field_users(
    account, coordinator_page, field_page, foreign_project
):
    mine = ProjectFactory(account=account)
    response = coordinator_page.post(
        "/projects/bulk", {"action": "close", "ids": [mine.pk, foreign_project.pk]}
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == ProjectStatus.OPEN  # all or none
    assert field_page.post("/projects/bulk", {"action": "close", "ids": [mine.pk]}).status_code == 403


def test_the_project_page_shows_tasks_photos_and_history(
    account, coordinator_page, coordinator, project, task
):
    photo_rows(project, task, 2)
    from accounts.actors import Actor

    services.project_update(project=project, actor=Actor.for_user(coordinator), instructions="Mow the lawn")
    body = coordinator_page.get(f"/projects/{project.pk}/").content.decode()
    assert "Lawn" in body and "api/v1/photos/" in body and "Mow the lawn" in body
    assert '<span class="field">Instructions</span>: — → Mow the lawn' in body
    assert 'id="upload"' in body and 'id="surveys"' in body


def test_the_project_page_is_404_for_another_account(coordinator_page, foreign_project):
    assert coordinator_page.get(f"/projects/{foreign_project.pk}/").status_code == 404
    assert coordinator_page.post(f"/projects/{foreign_project.pk}/publish").status_code == 404
    assert coordinator_page.post(f"/projects/{foreign_project.pk}/complete").status_code == 404


def test_field_users_cannot_open_others_projects_or_publish(account, field_page, project):
    other = ProjectFactory(account=account)
    assert field_page.get(f"/projects/{other.pk}/").status_code == 404
    assert field_page.get(f"/projects/{project.pk}/").status_code == 200
    assert field_page.post(f"/projects/{project.pk}/publish").status_code == 403
    assert field_page.get(f"/projects/{project.pk}/portal").status_code == 403


def test_complete_and_publish_a_manual_project(coordinator_page, project, task):
    from photos.models import Photo

    photo_rows(project, task, 1, status="approved")
    coordinator_page.post(f"/projects/{project.pk}/publish")
    assert Photo.objects.get(project=project).published_at is not None
    response = coordinator_page.post(f"/projects/{project.pk}/complete", follow=True)
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETE and "is complete" in response.content.decode()
    response = coordinator_page.post(f"/projects/{project.pk}/complete", follow=True)
    assert "not open" in response.content.decode()


def test_portal_embeds_the_fastrack_page(account, coordinator_page, fastrack, sandbox, vendor):
    from integrations.fastrack.sandbox.testing import make_order

    sandbox.add_orders(vendor[0], [make_order(5001)])
    project = ProjectFactory(account=account, integration=fastrack, source_ref="5001", name="AFS::5001")
    TaskFactory(project=project)
    assert "myFAStrack" in coordinator_page.get(f"/projects/{project.pk}/").content.decode()
    body = coordinator_page.get(f"/projects/{project.pk}/portal").content.decode()
    assert f'<iframe class="portal" src="{sandbox.url}' in body


def test_portal_failure_is_a_clear_message(account, coordinator_page, fastrack, sandbox, vendor):
    sandbox.set_faults(vendor[0], authDown=True)
    project = ProjectFactory(account=account, integration=fastrack, source_ref="5002", name="AFS::5002")
    body = coordinator_page.get(f"/projects/{project.pk}/portal").content.decode()
    sandbox.set_faults(vendor[0])
    assert "myFAStrack could not be opened" in body and "<iframe" not in body


def test_manual_projects_offer_no_portal(coordinator_page, project):
    body = coordinator_page.get(f"/projects/{project.pk}/portal").content.decode()
    assert "only offered for FAStrack projects" in body

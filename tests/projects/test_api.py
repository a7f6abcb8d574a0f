import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import ProjectEvent
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_read_update_delete_a_manual_project(coordinator_client, account):
    created = coordinator_client.post(
        "/api/v1/projects/",
        {
            "name": "55 Oak Ln",
            "address1": "55 Oak Ln",
            "city": "Austin",
            "state": "TX",
            "zip": "78702",
            "due_date": "2030-05-01",
            "tasks": ["Photos", "Lawn"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [t["name"] for t in body["tasks"]] == ["Photos", "Lawn"]
    pk = body["id"]
    updated = coordinator_client.patch(
        f"/api/v1/projects/{pk}/", {"instructions": "Beware of dog"}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["instructions"] == "Beware of dog"
    history = coordinator_client.get(f"/api/v1/projects/{pk}/events/").json()["results"]
    assert [e["type"] for e in history] == ["project.updated", "project.created"]
    assert coordinator_client.delete(f"/api/v1/projects/{pk}/").status_code == 204
    assert coordinator_client.get(f"/api/v1/projects/{pk}/").status_code == 404


def test_validation_errors_are_json_per_field(coordinator_client, account):
    ProjectFactory(account=account, name="Taken")
    response = coordinator_client.post("/api/v1/projects/", {"name": "Taken"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == ["A project named Taken already exists."]
    response = coordinator_client.post("/api/v1/projects/", {"name": "x", "due_date": "soon"}, format="json")
    assert response.status_code == 400 and "due_date" in response.json()["errors"]


def test_assign_by_user_and_by_wms_contractor_id(coordinator_client, account):
    project = ProjectFactory(account=account)
    crew = UserFactory(account=account, wms_contractor_id="WMS-7")
    response = coordinator_client.post(
        f"/api/v1/projects/{project.pk}/assign", {"wms_contractor_id": "WMS-7"}, format="json"
    )
    assert response.status_code == 200 and response.json()["assignee"]["id"] == crew.pk
    response = coordinator_client.post(f"/api/v1/projects/{project.pk}/assign", {"user": None}, format="json")
    assert response.json()["assignee"] is None
    assert (
        coordinator_client.post(f"/api/v1/projects/{project.pk}/assign", {}, format="json").status_code == 400
    )
    assert ProjectEvent.objects.filter(project=project, type="project.assigned").count() == 2


def test_filters(owner_client, account, field_user):
    today = datetime.date(2030, 1, 10)
    # Names and addresses of their own: the factory's ("Project {n}", "{100 + n} Main St") would match the
    # search for 123 whenever its sequence stands at 23 or 123.
    a = ProjectFactory(
        account=account, zip="78701", due_date=today, assignee=field_user, name="Alpha", address1="1 Elm St"
    )
    b = ProjectFactory(
        account=account,
        zip="90210",
        due_date=today + datetime.timedelta(days=5),
        status="closed",
        name="Bravo",
        address1="2 Elm St",
    )
    c = ProjectFactory(account=account, zip="78745", name="AFS::123", source_ref="123")

    def ids(query):
        response = owner_client.get(f"/api/v1/projects/?{query}")
        assert response.status_code == 200, response.json()
        return {p["id"] for p in response.json()["results"]}

    assert ids("status=closed") == {b.pk}
    assert ids("zip=787") == {a.pk, c.pk}
    assert ids(f"assigned_to={field_user.pk}") == {a.pk}
    assert ids("assigned_to=none") == {b.pk, c.pk}
    assert ids("assigned_to=%C2%B2") == ids("assigned_to=99999999999999999999") == set()  # not ids: nobody's
    assert ids("due_before=2030-01-11") == {a.pk}
    assert ids("search=123") == {c.pk}
    assert ids("updated_since=2000-01-01T00:00:00Z") == {a.pk, b.pk, c.pk}
    assert ids("updated_since=2999-01-01T00:00:00Z") == set()
    assert owner_client.get("/api/v1/projects/?due_before=notadate").status_code == 400


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(owner_client, account):
    crew = UserFactory(account=account)
    ProjectFactory.create_batch(3, account=account, assignee=crew)
    few = _count_queries(owner_client, "/api/v1/projects/")
    ProjectFactory.create_batch(30, account=account, assignee=crew)
    assert _count_queries(owner_client, "/api/v1/projects/") == few


def test_field_user_cannot_create_or_close(field_client, account, field_user):
    project = ProjectFactory(account=account, assignee=field_user)
    assert field_client.post("/api/v1/projects/", {"name": "x"}, format="json").status_code == 403
    assert field_client.post(f"/api/v1/projects/{project.pk}/close").status_code == 403
    assert field_client.get(f"/api/v1/projects/{project.pk}/").status_code == 200


def test_detail_has_tasks_check_in_surveys_and_photo_counts(owner_client, account):
    project = ProjectFactory(account=account)
    body = owner_client.get(f"/api/v1/projects/{project.pk}/").json()
    assert body["check_in"] is None and body["surveys"] == [] and body["tasks"] == []
    assert body["photo_counts"] == {"held": 0, "pending_qa": 0, "approved": 0, "rejected": 0}

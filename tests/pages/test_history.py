"""The project page's history: what a refresh changed, as the importer records it (integrations/importer.py
``_sync_tasks``), read back in the page. Task lists are lists of names, renames are "old → new" pairs, and
a field's change is old → new."""

import re
from html import unescape

import pytest

from accounts.actors import Actor
from projects import services
from projects.models import Project
from tests.integrations.helpers import make_order, refresh_now

pytestmark = pytest.mark.django_db


def _service(ref: str, name: str) -> dict:
    return {"serviceId": ref, "serviceName": name, "photoRequired": True, "formId": None}


def _history(client, project) -> list[dict[str, str]]:
    """The history of the project page, newest first: each event's changes as {field: text shown}."""
    response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    block = re.search(r'<ol class="history"[^>]*>(.*?)</ol>', body, re.S)
    assert block, "the project page has no history"
    events = []
    for item in re.split(r"<li class=\"[^\"]*\">", block[1])[1:]:
        change = r'<li data-field="(\w+)"><span class="field">[^<]*</span>: (.*?)</li>'
        changes = re.findall(change, item, re.S)
        events.append({field: unescape(text.strip()) for field, text in changes})
    return events


def test_a_refresh_shows_added_archived_and_renamed_tasks_and_field_changes(
    fastrack, sandbox, vendor, coordinator_page
):
    sandbox.add_orders(
        vendor[0],
        [
            make_order(
                "910",
                dueDate="2031-05-06",
                services=[
                    _service("S1", "Grass Cut"),
                    _service("S2", "Debris"),
                    _service("S3", "Lock Change"),
                    _service("S7", "Gutters"),
                    _service("S8", "Trash Out"),
                ],
            )
        ],
    )
    refresh_now(fastrack)
    project = Project.objects.get(account=fastrack.account, source_ref="910")

    # The brief's one of each: a rename, an added service, a removed one and a new due date.
    sandbox.patch_order(
        vendor[0],
        "910",
        dueDate="2031-06-07",
        services=[
            _service("S1", "Lawn Mowing"),
            _service("S3", "Lock Change"),
            _service("S4", "Board Up"),
            _service("S7", "Gutters"),
            _service("S8", "Trash Out"),
        ],
    )
    assert refresh_now(fastrack).updated == 1
    latest = _history(coordinator_page, project)[0]
    assert latest == {
        "due_date": "2031-05-06 → 2031-06-07",
        "tasks_added": "Board Up",
        "tasks_renamed": "Grass Cut → Lawn Mowing",
        "tasks_archived": "Debris",
    }

    # Two of each: a two-name list once read as "old → new", a list of renames as "['A', 'B']".
    sandbox.patch_order(
        vendor[0],
        "910",
        services=[
            _service("S1", "Mowing"),
            _service("S3", "Rekey"),
            _service("S8", "Trash Out"),
            _service("S5", "Winterize"),
            _service("S6", "Pool Cover"),
        ],
    )
    assert refresh_now(fastrack).updated == 1
    history = _history(coordinator_page, project)
    latest = history[0]
    assert latest["tasks_added"] == "Winterize, Pool Cover"
    assert sorted(latest["tasks_archived"].split(", ")) == ["Board Up", "Gutters"]
    assert sorted(latest["tasks_renamed"].split(", ")) == ["Lawn Mowing → Mowing", "Lock Change → Rekey"]
    assert set(latest) == {"tasks_added", "tasks_renamed", "tasks_archived"}
    shown = " ".join(text for event in history for text in event.values())
    assert "[" not in shown and "'" not in shown

    # The import's first event lists the order's services by name.
    assert history[-1]["tasks"] == "Grass Cut, Debris, Lock Change, Gutters, Trash Out"
    assert history[-1]["assignee"] == "—"


def test_manual_task_changes_and_assignment_read_as_names(coordinator, coordinator_page, field_user):
    actor = Actor.for_user(coordinator)
    project = services.project_create(actor=actor, name="Manual 1", tasks=["Lawn", "Gate"], zip="78701")
    lawn = project.tasks.get(name="Lawn")
    services.task_create(project=project, actor=actor, name="Fence")
    services.task_rename(task=lawn, actor=actor, name="Yard")
    services.task_remove(task=project.tasks.get(name="Gate"), actor=actor)
    services.project_assign(project=project, actor=actor, assignee=field_user)

    assigned, removed, renamed, added, created = _history(coordinator_page, project)
    assert created["tasks"] == "Lawn, Gate"
    assert added == {"added": "Fence"}
    assert renamed == {"renamed": "Lawn → Yard"}
    assert removed == {"removed": "Gate"}
    assert assigned["assignee"] == f"— → {field_user.full_name}"


def test_an_import_with_a_default_assignee_names_the_crew_in_the_history(
    fastrack, sandbox, vendor, field_user, coordinator_page
):
    """The "created" event of such an import holds the assignee as one id, not an [old, new] pair."""
    fastrack.default_assignee = field_user
    fastrack.save()
    sandbox.add_orders(vendor[0], [make_order("860")])
    refresh_now(fastrack)
    project = Project.objects.get(source_ref="860")
    [created] = _history(coordinator_page, project)
    crew = field_user.full_name or field_user.email
    assert created["assignee"] == crew


def test_the_history_names_fields_for_people_and_leaves_out_what_did_not_change(
    coordinator_page, coordinator, account
):
    """An assignment records the crew's WMS contractor id, empty before and after when none is set: the
    event keeps it for the WMS add-ons, the page does not show a change that changed nothing."""
    from accounts.actors import Actor
    from projects import services
    from tests.factories import ProjectFactory, UserFactory

    project = ProjectFactory(account=account)
    crew = UserFactory(account=account, full_name="Crew Carla", role="field")
    actor = Actor.for_user(coordinator)
    services.project_assign(project=project, actor=actor, assignee=crew)
    services.project_update(project=project, actor=actor, zip="78702", qa_in_field=False)

    updated, assigned = _history(coordinator_page, project)
    assert assigned == {"assignee": "— → Crew Carla"}  # no "wms_contractor_id: — → —"
    assert updated == {"zip": "78701 → 78702", "qa_in_field": "yes → no"}
    body = coordinator_page.get(f"/projects/{project.pk}/").content.decode()
    assert '<span class="field">ZIP</span>' in body and '<span class="field">QA in Field</span>' in body


def test_the_history_reloaded_alone_reads_in_the_accounts_time_zone(coordinator, coordinator_page):
    """The fragment HTMX reloads after a survey save has no base.html around it: the middleware sets the
    account's zone for it, as for whole pages (the API keeps UTC)."""
    from datetime import UTC

    from django.utils import timezone

    account = coordinator.account
    account.time_zone = "America/Chicago"
    account.save()
    project = services.project_create(actor=Actor.for_user(coordinator), name="12 Oak St")
    created = project.events.get().created_at
    local = timezone.localtime(created, account.tzinfo).strftime("%m-%d-%Y %H:%M:%S")
    utc = timezone.localtime(created, UTC).strftime("%m-%d-%Y %H:%M:%S")
    assert local != utc
    for url in (f"/projects/{project.pk}/", f"/projects/{project.pk}/history"):
        body = coordinator_page.get(url).content.decode()
        assert local in body and utc not in body, url
    api = coordinator_page.get(f"/api/v1/projects/{project.pk}/events/").json()
    assert api["results"][0]["created_at"].endswith("Z") or "+00:00" in api["results"][0]["created_at"]

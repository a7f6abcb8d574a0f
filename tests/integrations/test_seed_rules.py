"""Rules of the seeds (../shared/seeds/) that no other test held to the letter: the import log's lines as the
seeds print them, auto-flags for every evidence type, a photo task added at AFS, QA in Field as the default,
and QA in Office holding everything until QA and Publish. Against the sandbox over HTTP."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from accounts.actors import Actor
from integrations.models import Integration, IntegrationEvent, RelayItem
from integrations.relay import complete_project, publish_project
from photos.models import PhotoStatus
from photos.services import photo_approve

from .helpers import make_order, refresh_now
from .relaying import SERVICES, add_photos, drain, imported_project, ingest_photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.RELAY_RETRY_BASE_SECONDS = 0


def _ingest(project, user, task, evidence_type, seed):
    return ingest_photo(project, user, task, evidence_type=evidence_type, seed=seed)


def test_the_import_log_prints_the_seeds_lines_in_the_accounts_time_zone(
    fastrack, sandbox, vendor, coordinator_client
):
    """Seed 000's table, line for line: ``12-11-2017 16:59:00 <message>``, the account's local time (the
    account is in America/Chicago: 22:59 UTC is 16:59 there)."""
    services = [
        {"serviceId": "A", "serviceName": "Mandatory Survey", "photoRequired": True},
        {"serviceId": "B", "serviceName": "Mandatory Survey", "photoRequired": True},
    ]
    sandbox.add_orders(
        vendor[0],
        [make_order("22215251", services=services), make_order("21771463"), make_order("21771463")],
    )
    run = refresh_now(fastrack)
    stamp = datetime(2017, 12, 11, 22, 59, 0, tzinfo=UTC)
    logged = IntegrationEvent.objects.filter(run=run).exclude(message__contains="finished")
    assert logged.update(created_at=stamp) == 2
    expected = [
        "12-11-2017 16:59:00 Ignoring duplicate serviceName 'Mandatory Survey' for Work Order AFS::22215251",
        "12-11-2017 16:59:00 Skipping duplicate order:21771463",
    ]
    tz = fastrack.account.tzinfo
    assert sorted(e.format_line(tz) for e in logged) == expected
    body = coordinator_client.get(f"/api/v1/integrations/{fastrack.pk}/events/").json()
    assert sorted(e["line"] for e in body["results"] if e["line"].startswith("12-11-2017")) == expected


@pytest.mark.parametrize(
    "evidence_type, label", [("before", "Before"), ("during", "During"), ("after", "After")]
)
def test_photos_are_flagged_by_task_and_evidence_type(
    fastrack, sandbox, vendor, coordinator, evidence_type, label
):
    """Seed 001: "Photos will be flagged in AFS based on the Task and Evidence Type they were taken on"."""
    project = imported_project(fastrack, sandbox, vendor)
    actor = Actor.for_user(coordinator)
    sent = {}
    for seed, service in enumerate(SERVICES):
        task = project.tasks.get(source_ref=service["serviceId"])
        photo = photo_approve(photo=_ingest(project, coordinator, task, evidence_type, seed), actor=actor)
        sent[str(photo.relay_serial)] = (f"{service['serviceName']} - {label}", service["serviceId"])
    assert publish_project(project=project, actor=actor) == 2
    assert drain() == 2
    got = sandbox.received("photos", vendor[0], "5001")
    assert {g["serial"]: (g["flag"], g["serviceId"]) for g in got} == sent
    assert {g["evidenceType"] for g in got} == {evidence_type}


def test_a_photo_task_added_at_afs_arrives_with_the_next_refresh(fastrack, sandbox, vendor, coordinator):
    """Seed 000: a project without a photo task takes no photos; once AFS adds one to the package, a refresh
    of the integration updates the project, and photos taken on it reach FAStrack."""
    from django.core.exceptions import ValidationError

    survey_only = {"serviceId": "S1", "serviceName": "Mandatory Survey", "photoRequired": False}
    sandbox.add_orders(vendor[0], [make_order("6001", services=[survey_only])])
    refresh_now(fastrack)
    project = fastrack.projects.get(source_ref="6001")
    with pytest.raises(ValidationError, match="Photos are taken on photo tasks only"):
        _ingest(project, coordinator, project.tasks.get(), "before", 1)

    photos = {"serviceId": "S2", "serviceName": "Grass Cut", "photoRequired": True}
    sandbox.patch_order(vendor[0], "6001", services=[survey_only, photos])
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.updated == 1
    task = project.tasks.get(source_ref="S2")
    assert task.is_photo_task and task.name == "Grass Cut"
    assert project.events.order_by("-sequence").first().changes["tasks_added"] == ["Grass Cut"]

    actor = Actor.for_user(coordinator)
    photo = photo_approve(photo=_ingest(project, coordinator, task, "after", 2), actor=actor)
    assert publish_project(project=project, actor=actor) == 1
    drain()
    [got] = sandbox.received("photos", vendor[0], "6001")
    assert (got["serial"], got["serviceId"], got["flag"]) == (
        str(photo.relay_serial),
        "S2",
        "Grass Cut - After",
    )


def test_qa_in_field_is_yes_unless_said_otherwise(owner, owner_client, sandbox, vendor, field_user):
    """Seed 001: "Set QA in Field to Yes (default)", through the API and the add_integration command; an
    order imported through it holds the crew's photos until Complete."""
    response = owner_client.post(
        "/api/v1/integrations/",
        {
            "kind": "fastrack",
            "name": "AFS by API",
            "base_url": sandbox.url,
            "credentials": {"username": vendor[0], "password": vendor[1]},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["qa_in_field"] is True

    out = io.StringIO()
    call_command(
        "add_integration",
        account=owner.account.slug,
        kind="fastrack",
        name="AFS by command",
        base_url=sandbox.url,
        username=vendor[0],
        password=vendor[1],
        default_assignee=field_user.email,
        stdout=out,
        stderr=io.StringIO(),
    )
    integration = Integration.objects.get(pk=int(out.getvalue().strip()))
    assert integration.qa_in_field is True
    sandbox.add_orders(vendor[0], [make_order("6101", services=SERVICES)])
    refresh_now(integration)
    project = integration.projects.get()
    assert project.qa_in_field is True
    [photo] = add_photos(project, field_user, 1, source="field")
    assert photo.status == PhotoStatus.HELD


def test_qa_in_office_sends_nothing_before_qa_and_publish(fastrack, sandbox, vendor, field_user, coordinator):
    """Seed 001, QA in Office: photos upload as they are taken and wait in Pending QA "until they are QAed
    and published to AFS": the crew's Complete sends nothing, nor does approving; Publish does."""
    project = imported_project(fastrack, sandbox, vendor, qa_in_field=False, assignee=field_user)
    photos = add_photos(project, field_user, 2, source="field")
    assert {p.status for p in photos} == {PhotoStatus.PENDING_QA}
    complete_project(project=project, actor=Actor.for_user(field_user))
    project.refresh_from_db()
    assert project.status == "complete" and not RelayItem.objects.exists()
    office = Actor.for_user(coordinator)
    for photo in photos:
        photo_approve(photo=photo, actor=office)
    assert not RelayItem.objects.exists()
    drain()
    assert sandbox.received("photos", vendor[0], "5001") == []
    assert publish_project(project=project, actor=office) == 2
    drain()
    got = sandbox.received("photos", vendor[0], "5001")
    assert sorted(g["serial"] for g in got) == sorted(str(p.relay_serial) for p in photos)

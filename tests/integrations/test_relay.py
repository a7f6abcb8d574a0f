"""Publishing and relaying photos to the sandbox over HTTP: QA modes, flags, retries, holds, failures."""

import pytest

from accounts.actors import Actor
from integrations.models import RelayItem
from integrations.relay import complete_project, publish_project, republish
from integrations.services import integration_validate
from photos.services import photo_move
from projects.services import project_close
from tests.factories import ProjectFactory, TaskFactory

from .relaying import add_photos, drain, imported_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.RELAY_RETRY_BASE_SECONDS = 0


def received(sandbox, vendor, number):
    return sandbox.received("photos", vendor[0], number)


def test_qa_in_office_end_to_end(fastrack, sandbox, vendor, coordinator, django_capture_on_commit_callbacks):
    project = imported_project(fastrack, sandbox, vendor)
    photos = add_photos(project, coordinator, 3)
    assert {p.status for p in photos} == {"pending_qa"}
    actor = Actor.for_user(coordinator)
    assert publish_project(project=project, actor=actor) == 0  # nothing reaches the client without QA
    from photos.services import photo_approve

    for photo in photos[:2]:
        photo_approve(photo=photo, actor=actor)
    with django_capture_on_commit_callbacks() as callbacks:
        assert publish_project(project=project, actor=actor) == 2
    assert len(callbacks) == 1  # delivery is enqueued after the commit
    assert drain() == 2
    got = received(sandbox, vendor, "5001")
    assert sorted(g["serial"] for g in got) == sorted(str(p.relay_serial) for p in photos[:2])
    assert {g["flag"] for g in got} == {"Grass Cut - Before"} and {g["serviceId"] for g in got} == {"S1"}
    assert set(RelayItem.objects.values_list("status", flat=True)) == {"sent"}
    assert project.events.filter(type="project.published").exists()


def test_qa_in_field_holds_until_complete(fastrack, sandbox, vendor, field_user):
    project = imported_project(fastrack, sandbox, vendor, qa_in_field=True, assignee=field_user)
    photos = add_photos(project, field_user, 2, source="field")
    assert {p.status for p in photos} == {"held"}
    assert RelayItem.objects.count() == 0
    complete_project(project=project, actor=Actor.for_user(field_user))
    assert RelayItem.objects.count() == 2
    drain()
    assert len(received(sandbox, vendor, "5001")) == 2
    project.refresh_from_db()
    assert project.status == "complete"


def test_a_manual_projects_photos_are_never_relayed(account, coordinator):
    project = ProjectFactory(account=account)
    task = TaskFactory(project=project, name="Photos")
    photos = add_photos_on(task, coordinator)
    assert publish_project(project=project, actor=Actor.for_user(coordinator)) == 1
    assert RelayItem.objects.count() == 0
    photos[0].refresh_from_db()
    assert photos[0].published_at is not None


def add_photos_on(task, user):
    import io

    from photos.services import photo_approve, photo_ingest
    from tests.photos.imagefiles import make_jpeg

    handle = io.BytesIO(make_jpeg(200, 150, seed=9))
    handle.name = "a.jpg"
    photo, _ = photo_ingest(
        actor=Actor.for_user(user),
        project=task.project,
        task=task,
        evidence_type="after",
        file=handle,
        source="office",
    )
    return [photo_approve(photo=photo, actor=Actor.for_user(user))]


def test_a_sent_photo_that_moves_is_sent_again_with_its_new_flag(fastrack, sandbox, vendor, coordinator):
    project = imported_project(fastrack, sandbox, vendor)
    [photo] = add_photos(project, coordinator, 1, approve_as=coordinator)
    actor = Actor.for_user(coordinator)
    publish_project(project=project, actor=actor)
    drain()
    old_serial = photo.relay_serial
    photo = photo_move(
        photo=photo, actor=actor, task=project.tasks.get(source_ref="S2"), evidence_type="after"
    )
    assert photo.relay_serial != old_serial
    publish_project(project=project, actor=actor)
    drain()
    flags = {g["serial"]: g["flag"] for g in received(sandbox, vendor, "5001")}
    assert flags == {str(old_serial): "Grass Cut - Before", str(photo.relay_serial): "Lock Change - After"}


@pytest.mark.parametrize("mode", ["file_save_failed", "timeout"])
def test_faults_deliver_every_photo_exactly_once(fastrack, sandbox, vendor, coordinator, settings, mode):
    settings.FASTRACK_UPLOAD_TIMEOUT = 0.5
    settings.RELAY_MAX_ATTEMPTS = 30
    project = imported_project(fastrack, sandbox, vendor)
    photos = add_photos(project, coordinator, 12, approve_as=coordinator)
    sandbox.set_faults(vendor[0], photoFailureRate=0.3, failureMode=mode, timeoutMs=1500, seed=4)
    publish_project(project=project, actor=Actor.for_user(coordinator))
    drain(rounds=200)
    got = received(sandbox, vendor, "5001")
    # The sandbox keeps one record per serial: a duplicate would be a photo under a second serial, an
    # extra record with content the client already had.
    assert sorted(g["serial"] for g in got) == sorted(str(p.relay_serial) for p in photos)
    assert len({g["sha256"] for g in got}) == len(got) == len(photos)
    assert set(RelayItem.objects.values_list("status", flat=True)) == {"sent"}
    assert sum(g["attempts"] for g in got) > len(photos)  # the faults really happened


def test_upload_auth_down_validates_holds_then_releases(fastrack, sandbox, vendor, coordinator):
    project = imported_project(fastrack, sandbox, vendor)
    add_photos(project, coordinator, 4, approve_as=coordinator)
    sandbox.set_faults(vendor[0], uploadAuthDown=True)
    publish_project(project=project, actor=Actor.for_user(coordinator))
    drain()
    fastrack.refresh_from_db()
    assert fastrack.health == "auth_failed"
    items = list(RelayItem.objects.all())
    assert {i.status for i in items} == {"held"}
    assert all(i.last_error.startswith("Sub-user validation failed") for i in items)
    assert received(sandbox, vendor, "5001") == []
    assert integration_validate(integration=fastrack)[0] is False  # still wrong: still held
    sandbox.set_faults(vendor[0])  # the password is fixed
    ok, message = integration_validate(integration=fastrack)
    assert ok and "4 held item(s) released" in message
    drain()
    assert len(received(sandbox, vendor, "5001")) == 4


def test_after_the_last_attempt_an_item_fails_and_can_be_republished(
    fastrack, sandbox, vendor, coordinator, settings
):
    settings.RELAY_MAX_ATTEMPTS = 2
    project = imported_project(fastrack, sandbox, vendor)
    add_photos(project, coordinator, 1, approve_as=coordinator)
    sandbox.set_faults(vendor[0], photoFailureRate=1.0, failureMode="http_500")
    publish_project(project=project, actor=Actor.for_user(coordinator))
    drain()
    item = RelayItem.objects.get()
    assert item.status == "failed" and item.attempts == 2 and "FAStrack answered 500" in item.last_error
    sandbox.set_faults(vendor[0])
    assert republish(items=[item], actor=Actor.for_user(coordinator)) == 1
    drain()
    item.refresh_from_db()
    assert item.status == "sent" and len(received(sandbox, vendor, "5001")) == 1


def test_closing_a_project_never_cancels_what_was_published(fastrack, sandbox, vendor, coordinator):
    project = imported_project(fastrack, sandbox, vendor)
    add_photos(project, coordinator, 2, approve_as=coordinator)
    publish_project(project=project, actor=Actor.for_user(coordinator))
    project_close(project=project, actor=Actor.for_user(coordinator))
    drain()
    assert len(received(sandbox, vendor, "5001")) == 2

"""Publishing surveys: a RelayItem per publish, photos named by relay serial, sent after those photos."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor
from integrations.models import RelayItem, RelayKind, RelayStatus
from integrations.relay import complete_project, publish_project
from integrations.relay_delivery import WAITING_FOR_PHOTOS, claim, deliver, run_batch
from integrations.surveys import publish_submitted
from photos.services import photo_approve, photo_move
from surveys.models import ResponseStatus
from surveys.services import response_submit
from tests.integrations.helpers import refresh_now

from .conftest import add_photo, order_with

pytestmark = pytest.mark.django_db


def client_form(project):
    return project.survey_links.get(survey__source="client").survey


def _submit_naming_an_approved_photo(project, actor):
    """The client's form submitted with an answer naming an approved photo; returns the photo."""
    photo = photo_approve(photo=add_photo(project, actor.user), actor=actor)
    response_submit(
        project=project,
        survey=client_form(project),
        actor=actor,
        answers={"occupied": True, "front": [str(photo.serial)]},
    )
    return photo


def test_a_survey_is_sent_after_the_photos_it_names(
    project, coordinator, sandbox, vendor, django_capture_on_commit_callbacks
):
    actor = Actor.for_user(coordinator)
    photo = _submit_naming_an_approved_photo(project, actor)
    # The survey is published first, so the relay meets it before the photo: it must wait. Sending the photo
    # wakes it, so it goes in the same run without its 10 s wait (the clock is not moved), and a run is
    # dispatched after the commit for it.
    assert publish_submitted(project=project, actor=actor) == 1
    assert publish_project(project=project, actor=actor) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert run_batch("test") == 2
    assert len(callbacks) == 1
    survey_item = RelayItem.objects.get(kind=RelayKind.SURVEY)
    assert survey_item.status == RelayStatus.SENT and survey_item.attempts == 1

    [received] = sandbox.received("answers", vendor[0])
    photos = sandbox.received("photos", vendor[0])
    assert received["photos"] == {"front": [str(photo.relay_serial)]}
    assert received["answers"] == {"occupied": True, "front": [str(photo.relay_serial)]}
    assert received["version"] == 1 and received["serial"] == str(survey_item.serial)
    assert (
        photos[0]["serial"] == str(photo.relay_serial) and photos[0]["receivedAt"] <= received["receivedAt"]
    )
    assert client_form(project).responses.get().status == ResponseStatus.PUBLISHED


def _survey_waiting_for_a_photo(project, actor):
    """A published survey naming a published photo, met by the relay before it: (survey item, photo item)."""
    _submit_naming_an_approved_photo(project, actor)
    publish_submitted(project=project, actor=actor)
    publish_project(project=project, actor=actor)
    survey_item = RelayItem.objects.get(project=project, kind=RelayKind.SURVEY)
    assert claim(survey_item.pk, "test") and deliver(survey_item.pk, "test", {}) == 0
    survey_item.refresh_from_db()
    assert survey_item.status == RelayStatus.QUEUED and survey_item.last_error == WAITING_FOR_PHOTOS
    assert survey_item.next_attempt_at > timezone.now() + timedelta(seconds=9)  # the beat fallback
    assert survey_item.lease_owner == "" and survey_item.lease_expires_at is None
    return survey_item, RelayItem.objects.get(project=project, kind=RelayKind.PHOTO)


def test_sending_a_photo_wakes_only_its_projects_waiters_in_one_update(
    project, coordinator, fastrack, sandbox, vendor, form_id, django_capture_on_commit_callbacks
):
    actor = Actor.for_user(coordinator)
    sandbox.add_orders(vendor[0], [order_with("5002", form_id, check_in=True)])
    refresh_now(fastrack)
    other = fastrack.projects.get(source_ref="5002")
    waiting, photo_item = _survey_waiting_for_a_photo(project, actor)
    elsewhere, _ = _survey_waiting_for_a_photo(other, actor)
    later = timezone.now() + timedelta(seconds=10)
    # A second waiter of the project (one UPDATE wakes both), and one whose error only looks alike: the
    # share relay's transient "Waiting for ... primary vendor" retries on its own backoff.
    second = RelayItem.objects.create(
        integration=fastrack,
        project=project,
        kind=RelayKind.SURVEY,
        serial=uuid.uuid4(),
        payload=waiting.payload,
        last_error=WAITING_FOR_PHOTOS,
        next_attempt_at=later,
    )
    lookalike = RelayItem.objects.create(
        integration=fastrack,
        project=project,
        kind=RelayKind.SURVEY,
        serial=uuid.uuid4(),
        payload=waiting.payload,
        attempts=1,
        last_error="Waiting for the photos its answers name to reach the primary vendor.",
        next_attempt_at=later,
    )

    assert claim(photo_item.pk, "test")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        assert deliver(photo_item.pk, "test", {}) == 1
    assert len(callbacks) == 1  # relay_due, once the SENT and the wake-up are committed
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "integrations_relayitem"')]
    assert len(updates) == 2  # the photo's SENT, then every waiter of the project at once

    now = timezone.now()
    for item in (waiting, second):
        item.refresh_from_db()
        assert item.status == RelayStatus.QUEUED and item.next_attempt_at <= now
    for item in (elsewhere, lookalike):
        item.refresh_from_db()
        assert item.status == RelayStatus.QUEUED and item.next_attempt_at > now + timedelta(seconds=9)


def test_moving_photos_and_publishing_again_sends_a_new_item(project, coordinator, sandbox, vendor):
    actor = Actor.for_user(coordinator)
    survey = client_form(project)
    photo = photo_approve(photo=add_photo(project, coordinator), actor=actor)
    response_submit(
        project=project, survey=survey, actor=actor, answers={"occupied": True, "front": str(photo.serial)}
    )
    assert publish_project(project=project, actor=actor) == 2  # the photo, then the survey naming it
    run_batch("test")

    # The photo moves to another evidence type (a new relay serial) and to another question of the survey.
    photo = photo_move(photo=photo, actor=actor, evidence_type="after")
    response_submit(
        project=project, survey=survey, actor=actor, answers={"occupied": True, "back": str(photo.serial)}
    )
    assert publish_project(project=project, actor=actor) == 2  # the moved photo and a new survey item
    assert publish_submitted(project=project, actor=actor) == 0  # nothing left to send
    run_batch("test")

    items = RelayItem.objects.filter(kind=RelayKind.SURVEY).order_by("pk")
    assert len({i.serial for i in items}) == 2 and all(i.status == RelayStatus.SENT for i in items)
    received = sandbox.received("answers", vendor[0])
    assert len(received) == 2
    assert received[-1]["photos"] == {"back": [str(photo.relay_serial)]}
    assert received[-1]["serial"] == str(items.last().serial)


def test_a_survey_waits_for_its_photos_approval(project, coordinator):
    actor = Actor.for_user(coordinator)
    photo = add_photo(project, coordinator)  # pending QA
    response_submit(
        project=project,
        survey=client_form(project),
        actor=actor,
        answers={"occupied": True, "front": str(photo.serial)},
    )
    assert publish_submitted(project=project, actor=actor) == 0
    photo_approve(photo=photo, actor=actor)
    assert publish_submitted(project=project, actor=actor) == 1


def test_qa_in_field_holds_surveys_until_complete(project, field_user):
    project.qa_in_field = True
    project.save(update_fields=["qa_in_field"])
    actor = Actor.for_user(field_user)
    response_submit(project=project, survey=client_form(project), actor=actor, answers={"occupied": "yes"})
    assert publish_submitted(project=project, actor=actor) == 0
    complete_project(project=project, actor=actor)  # publishes the held survey with the photos
    assert publish_submitted(project=project, actor=actor) == 0
    item = RelayItem.objects.get(kind=RelayKind.SURVEY)
    assert item.payload["formId"] == client_form(project).form_ref and item.payload["photos"] == {}
    assert uuid.UUID(str(item.serial))


def test_one_publish_is_one_published_event_naming_photos_and_surveys(project, coordinator):
    actor = Actor.for_user(coordinator)
    _submit_naming_an_approved_photo(project, actor)
    assert publish_project(project=project, actor=actor) == 2
    [event] = project.events.filter(type="project.published")
    assert event.changes == {"photos": 1, "surveys": [client_form(project).name], "relayed": True}
